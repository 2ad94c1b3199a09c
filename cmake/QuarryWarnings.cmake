# quarry_target_defaults(target): the project's warning set (and -Werror with QUARRY_WERROR)
# plus the POSIX feature level every source is written against.
function(quarry_target_defaults target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
    -Wvla -Wformat=2 -Wcast-qual)
  if(QUARRY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  target_compile_definitions(${target} PRIVATE _POSIX_C_SOURCE=200809L)
endfunction()
