// libedit's readline-compatible API (Debian's libedit-dev), for the prompt of `seatd cli`.
#include <stdio.h>
#include <editline/readline.h>
