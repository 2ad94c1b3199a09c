/*
 * eval.c: quarry-eval, a command-line scorer of TREC runs with trec_eval's definitions.
 *
 *   quarry-eval [-q] [-c] QRELS RUN
 *
 * Loads QRELS (`qid iter docid rel`) and RUN (`qid Q0 docid rank score tag`) with the
 * trec_eval library next to it (trec_eval.h has the exact definitions) and prints trec_eval's
 * layout, `measure<TAB>qid<TAB>value` (values with 4 decimals), for ndcg_cut_10, map, P_10 and
 * recall_100 averaged over the queries ("all"), then num_q. -q first prints the same measures
 * for each query (in qid strcmp order); -c counts qrels queries missing from the run as zeros
 * (trec_eval -c; without it they are skipped, trec_eval's default).
 *
 * Exit status: 0 on success; 1 when a file cannot be read or is malformed (the message names
 * the file and line) or when no query has both results and judgements; 2 on bad usage.
 */
#include "trec_eval.h"

#include <stdio.h>
#include <string.h>

#define PROG "quarry-eval"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: " PROG " [-q] [-c] QRELS RUN\n"
            "  QRELS  TREC qrels: lines 'qid iter docid rel' (rel an integer, >= 1 = relevant)\n"
            "  RUN    TREC run: lines 'qid Q0 docid rank score tag' (ranked by score)\n"
            "  -q     also print each query's measures\n"
            "  -c     count qrels queries absent from the run, with zero measures\n"
            "         (default, as trec_eval: skip them)\n"
            "Prints 'measure<TAB>qid<TAB>value' for ndcg_cut_10, map, P_10, recall_100\n"
            "and num_q, with trec_eval's definitions.\n");
}

/* Prints the four measures of one query, or of the mean ("all"). */
static void print_measures(const char *qid, double ndcg, double map, double p10, double r100)
{
    printf("ndcg_cut_10\t%s\t%.4f\n", qid, ndcg);
    printf("map\t%s\t%.4f\n", qid, map);
    printf("P_10\t%s\t%.4f\n", qid, p10);
    printf("recall_100\t%s\t%.4f\n", qid, r100);
}

int main(int argc, char **argv)
{
    int per_query = 0, complete = 0, options_done = 0;
    const char *paths[2];
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!options_done && a[0] == '-' && a[1] != '\0') {
            if (strcmp(a, "--") == 0) {
                options_done = 1;
                continue;
            }
            if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                usage(stdout);
                return 0;
            }
            for (const char *c = a + 1; *c != '\0'; c++) {
                if (*c == 'q') {
                    per_query = 1;
                } else if (*c == 'c') {
                    complete = 1;
                } else {
                    fprintf(stderr, PROG ": unknown option '-%c'\n", *c);
                    usage(stderr);
                    return 2;
                }
            }
            continue;
        }
        if (npaths == 2) {
            fprintf(stderr, PROG ": too many arguments (expected QRELS RUN)\n");
            usage(stderr);
            return 2;
        }
        paths[npaths++] = a;
    }
    if (npaths != 2) {
        fprintf(stderr, PROG ": missing %s\n", npaths == 0 ? "QRELS and RUN" : "RUN");
        usage(stderr);
        return 2;
    }

    char err[512];
    trec_qrels *qrels = NULL;
    trec_run *run = NULL;
    if (trec_qrels_load(&qrels, paths[0], err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        return 1;
    }
    if (trec_run_load(&run, paths[1], err, sizeof err) != 0) {
        fprintf(stderr, PROG ": %s\n", err);
        trec_qrels_free(qrels);
        return 1;
    }
    if (trec_run_num_duplicates(run) > 0)
        fprintf(stderr,
                PROG ": warning: %zu run line(s) repeat a (qid, docid) pair; kept the first "
                     "(trec_eval would refuse this run)\n",
                trec_run_num_duplicates(run));

    trec_summary s;
    int rc = trec_evaluate(&s, qrels, run, complete);
    trec_run_free(run);
    trec_qrels_free(qrels);
    if (rc != 0) {
        fprintf(stderr, PROG ": evaluation failed: %s\n", trec_eval_strerror(rc));
        return 1;
    }
    if (s.num_q == 0) {
        fprintf(stderr, PROG ": no query has both results in '%s' and judgements in '%s'\n",
                paths[1], paths[0]);
        trec_summary_free(&s);
        return 1;
    }

    if (per_query) {
        for (size_t i = 0; i < s.num_q; i++) {
            const trec_query_result *r = trec_summary_query(&s, i);
            print_measures(r->qid, r->ndcg_cut_10, r->map, r->p_10, r->recall_100);
        }
    }
    print_measures("all", s.ndcg_cut_10, s.map, s.p_10, s.recall_100);
    printf("num_q\tall\t%zu\n", s.num_q);
    trec_summary_free(&s);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, PROG ": cannot write the results\n");
        return 1;
    }
    return 0;
}
