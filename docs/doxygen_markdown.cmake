# cmake -DIN=docs/equations.md -DOUT=<file> -P doxygen_markdown.cmake
#
# Rewrites a page written for GitHub's Markdown into one Doxygen renders the
# same way (docs/CMakeLists.txt runs it before Doxygen):
#   ```math ... ```  ->  \f[ ... \f]    (display formulas)
#   $...$            ->  \f$...\f$      (inline formulas, on one line)
#   # Heading        ->  # Heading {#heading}, GitHub's anchor for it, so that
#                        links to #heading work in both places (and without
#                        backticks, which Doxygen 1.9 shows as <tt> in headings).
# The page must not use $ outside formulas, nor backticks inside ```math blocks.

if(NOT DEFINED IN OR NOT DEFINED OUT)
    message(FATAL_ERROR "usage: cmake -DIN=page.md -DOUT=out.md -P doxygen_markdown.cmake")
endif()
file(READ "${IN}" text)

# Display formulas first, so that the inline rule never sees their contents.
string(REGEX REPLACE "```math\n([^`]*)```" "\\\\f[\n\\1\\\\f]" text "${text}")
string(REGEX REPLACE "\\$([^$\n]+)\\$" "\\\\f$\\1\\\\f$" text "${text}")

# Headings get GitHub's anchors: lower case, punctuation dropped, spaces to '-'.
string(REGEX MATCHALL "(^|\n)#+ [^\n]+" headings "${text}")
foreach(heading IN LISTS headings)
    string(STRIP "${heading}" heading)
    string(REGEX REPLACE "^#+ " "" title "${heading}")
    string(TOLOWER "${title}" slug)
    string(REGEX REPLACE "[^a-z0-9 _-]" "" slug "${slug}")
    string(REPLACE " " "-" slug "${slug}")
    # Doxygen 1.9 prints code spans in headings as escaped <tt> tags: drop the backticks.
    string(REPLACE "`" "" plain "${heading}")
    string(REPLACE "${heading}\n" "${plain} {#${slug}}\n" text "${text}")
endforeach()

file(WRITE "${OUT}" "${text}")
