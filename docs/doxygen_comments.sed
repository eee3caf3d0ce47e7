# Doxygen input filter for include/neurofuse.h (see docs/CMakeLists.txt). In
# the text Doxygen parses, and only there, the header's plain comments become
# documentation comments: the opening comment documents the file, a comment
# that starts its own line documents what follows it, and a comment after code
# on the same line documents that code (except after an opening brace, where
# it describes the block and stays a plain comment). The header itself is not
# changed.
1s|^/\*$|/** @file|
s|^\([[:space:]]*\)/\*$|\1/**|
s|^\([[:space:]]*\)/\* |\1/** |
s|^\([[:space:]]*[^[:space:]/*][^/]*[^{/[:space:]]\)\([[:space:]]*\)/\* |\1\2/**< |
