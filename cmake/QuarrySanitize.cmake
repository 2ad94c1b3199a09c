# QUARRY_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer on every target; any
# UB report aborts, so the test suite fails on it.
if(QUARRY_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
