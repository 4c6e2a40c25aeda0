// Lux tokens. Newlines are real tokens (NL): compiler/parse/token_filter.cpp keeps only those
// that end a statement (Go-style) and drops the rest, so the parser sees NL as a separator.
// Strings use lexer modes: `"` enters STR; `{` inside a string enters an interpolated
// expression (DEFAULT mode again) until the matching `}`; every `{` in code pushes DEFAULT and
// every `}` pops, so braces nest inside interpolations.
lexer grammar LuxLexer;

channels { DOC }

// --- comments and layout -------------------------------------------------------------------
DOC_COMMENT   : '///' ~[\r\n]* -> channel(DOC);
LINE_COMMENT  : '//' ~[\r\n]* -> skip;
BLOCK_COMMENT : '/*' .*? '*/' -> skip;
// Cannot contain `*/`: otherwise, being longer, it would win over BLOCK_COMMENT.
UNTERMINATED_BLOCK_COMMENT : '/*' ( ~[*] | '*'+ ~[*/] )* '*'* EOF;
NL            : '\r'? '\n';
WS            : [ \t\f\u00A0\uFEFF]+ -> skip;

// --- keywords (hard) -------------------------------------------------------------------------
FN       : 'fn';
IF       : 'if';
ELIF     : 'elif';
ELSE     : 'else';
FOR      : 'for';
IN       : 'in';
WHILE    : 'while';
RETURN   : 'return';
BREAK    : 'break';
CONTINUE : 'continue';
MATCH    : 'match';
TRY      : 'try';
CATCH    : 'catch';
FINALLY  : 'finally';
VAR      : 'var';
LET      : 'let';
TRUE     : 'true';
FALSE    : 'false';
AWAIT    : 'await';
TYPE     : 'type';
SERVER   : 'server';
SHARED   : 'shared';
WITH     : 'with';

// --- keywords (soft: also usable as names, see `ident` in LuxParser.g4) ----------------------
ENV        : 'env';
DB         : 'db';
MODEL      : 'model';
AUTH       : 'auth';
CORS       : 'cors';
RATE_LIMIT : 'rate_limit';
OPENAPI    : 'openapi';
HEALTH     : 'health';
PORT       : 'port';
BACKGROUND : 'background';
SCHEDULE   : 'schedule';
CRON       : 'cron';
EVERY      : 'every';
SUBSCRIBE  : 'subscribe';
ON_START   : 'on_start';
ON_STOP    : 'on_stop';
ON_ERROR   : 'on_error';
MIDDLEWARE : 'middleware';
ROUTE      : 'route';
DISCOVER   : 'discover';
AT         : 'at';

// --- literals ---------------------------------------------------------------------------------
FLOAT : DIGITS '.' DIGITS EXPONENT? | DIGITS EXPONENT;
INT   : DIGITS | '0x' [0-9a-fA-F_]+ | '0b' [01_]+;
fragment DIGITS   : [0-9] [0-9_]*;
fragment EXPONENT : [eE] [+-]? [0-9]+;
IDENT : [a-zA-Z_] [a-zA-Z0-9_]*;

STR_OPEN : '"' -> pushMode(STR);

// --- punctuation --------------------------------------------------------------------------------
LBRACE   : '{' -> pushMode(DEFAULT_MODE);
RBRACE   : '}' { if (!modeStack.empty()) popMode(); };
LPAREN   : '(';
RPAREN   : ')';
LBRACKET : '[';
RBRACKET : ']';
ARROW    : '->';
FAT_ARROW: '=>';
PIPE_OP  : '|>';
OROR     : '||';
ANDAND   : '&&';
BAR      : '|';
EQEQ     : '==';
NEQ      : '!=';
LE       : '<=';
GE       : '>=';
LT       : '<';
GT       : '>';
PLUS_EQ  : '+=';
MINUS_EQ : '-=';
STAR_EQ  : '*=';
SLASH_EQ : '/=';
PERCENT_EQ : '%=';
ASSIGN   : '=';
PLUS     : '+';
MINUS    : '-';
STAR     : '*';
SLASH    : '/';
PERCENT  : '%';
BANG     : '!';
ELLIPSIS : '...';
DOTDOTEQ : '..=';
DOTDOT   : '..';
DOT      : '.';
COMMA    : ',';
COLON    : ':';
SEMI     : ';';
QUESTION : '?';

// Anything else: one code point, reported by the token filter as an unexpected character.
ERROR_CHAR : .;

// --- inside "..." ------------------------------------------------------------------------------
mode STR;
STR_TEXT   : ~["\\{\r\n]+;
STR_ESCAPE : '\\' ( 'u{' ~[}"\r\n]* '}'? | ~[\r\n] )?;
STR_INTERP : '{' -> pushMode(DEFAULT_MODE);
STR_CLOSE  : '"' -> popMode;
// A newline before the closing quote: the string is unterminated. The filter reports it and
// turns the token into a STR_CLOSE followed by a NL, so parsing goes on with the next line.
STR_NEWLINE : '\r'? '\n' -> popMode;
