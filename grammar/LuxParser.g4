// Lux syntax. Read with docs/language.md, which describes every construct for users.
// Shape rules that keep the grammar fast (SLL decides every valid program, see docs/toolchain.md):
// - statements and items are separated by `sep` (NL tokens the token filter kept, or `;`); the
//   grammar lets a separator be missing and the AST builder reports it (E1013), so recovery from
//   `x = 1 y = 2` is exact;
// - soft keywords (`db`, `model`, `health`, ...) are names everywhere except where an item starts;
// - a `{` that starts a statement is an object literal (or a destructuring pattern before `=`),
//   never a block: Lux has no bare block statements;
// - after `=>` and a lambda's parameters, `{` opens a block unless its contents are `key: value`
//   entries (then it is an object literal);
// - `Name { key: value ... }` is a record construction only when the first entry has a `:`,
//   so `if ready { ... }` and `match x { ... }` stay blocks.
parser grammar LuxParser;

options { tokenVocab = LuxLexer; }

// --- program structure -----------------------------------------------------------------------

program : sep? (topItem sep?)* EOF ;

sep : (NL | SEMI)+ ;
itemSep : (NL | SEMI | COMMA)+ ;

// Server-only items are accepted at top level and in `shared` so that the AST builder can say
// exactly what is wrong (E1019) and recovery loses nothing.
topItem
  : sharedBlock
  | serverBlock
  | fnDecl
  | typeDecl
  | varDecl
  | openapiDecl
  | serverOnlyItem
  ;

sharedBlock : SHARED LBRACE sep? (sharedItem sep?)* RBRACE ;
sharedItem : typeDecl | fnDecl | varDecl | openapiDecl | serverOnlyItem ;

serverBlock : SERVER str? LBRACE sep? (serverItem sep?)* RBRACE ;

serverItem : serverOnlyItem | openapiDecl | fnDecl | typeDecl | varDecl ;

serverOnlyItem
  : envDecl
  | configDecl
  | modelDecl
  | healthDecl
  | portDecl
  | backgroundDecl
  | scheduleDecl
  | subscribeDecl
  | hookDecl
  | middlewareDecl
  | routeDecl
  | discoverDecl
  | backendDecl
  ;

// --- declarations ----------------------------------------------------------------------------

envDecl : ENV ident COLON typeExpr (ASSIGN expr)? ;
configDecl : kw=(DB | AUTH | CORS | RATE_LIMIT) objectLit ;
// The OpenAPI document's info and servers, and the /docs switch: in a server (that server) or at
// top level and in `shared` (every server; a server's own block overrides it key by key).
openapiDecl : OPENAPI objectLit ;
modelDecl : MODEL ident (LBRACE (fieldDecl (itemSep fieldDecl)* itemSep?)? RBRACE)? ;
fieldDecl : ident COLON typeExpr (ASSIGN expr)? ;
healthDecl : HEALTH str ;
portDecl : PORT expr ;
varDecl : kw=(VAR | LET)? ident (COLON typeExpr)? ASSIGN expr ;

fnDecl : FN ident paramList (ARROW typeExpr)? block ;
backgroundDecl : BACKGROUND FN ident paramList (ARROW typeExpr)? (WITH objectLit)? block ;
middlewareDecl : MIDDLEWARE FN ident? paramList block ;

paramList : LPAREN (param (COMMA param)* COMMA?)? RPAREN ;
param : ident (COLON typeExpr)? (ASSIGN expr)? ;

scheduleDecl
  : SCHEDULE str FN ident? paramList (WITH objectLit)? block                          # scheduleCronFn
  | SCHEDULE str CRON LPAREN str RPAREN (WITH objectLit)? block                        # scheduleCronNamed
  | SCHEDULE str? EVERY expr (FN ident? paramList)? (WITH objectLit)? block            # scheduleEvery
  ;

subscribeDecl : SUBSCRIBE str (WITH objectLit)? FN paramList block ;
hookDecl : hook=(ON_START | ON_STOP | ON_ERROR) (FN paramList)? block ;
routeDecl : ROUTE ident str (WITH ident (COMMA ident)*)? FAT_ARROW expr ;
discoverDecl : DISCOVER str (AT expr (WITH objectLit)? | objectLit) ;
// `jobs { ... }`, `bus { ... }`: plain names, not soft keywords (the AST builder checks which),
// so they stay usable as names everywhere; `name {` cannot start any other item.
backendDecl : name=IDENT objectLit ;

typeDecl
  : TYPE ident LBRACE (typeMember (itemSep typeMember)* itemSep?)? RBRACE   # typeBody
  | TYPE ident ASSIGN typeExpr                                              # typeAlias
  ;
typeMember
  : ident COLON typeExpr (ASSIGN expr)?                                     # typeField
  | ident (LPAREN (variantField (COMMA variantField)* COMMA?)? RPAREN)?     # typeVariant
  ;
variantField : (ident COLON)? typeExpr ;

// --- type expressions ------------------------------------------------------------------------

typeExpr
  : LBRACKET typeExpr RBRACKET                                         # arrayType
  | FN LPAREN (typeExpr (COMMA typeExpr)*)? RPAREN (ARROW typeExpr)?   # fnType
  | ident (LT typeExpr (COMMA typeExpr)* GT)?                          # namedType
  ;

// --- statements ------------------------------------------------------------------------------

block : LBRACE sep? (stmt sep?)* RBRACE ;

stmt
  : kw=(VAR | LET) ident (COLON typeExpr)? ASSIGN expr                          # letStmt
  | kw=(VAR | LET)? LBRACE destructField (COMMA destructField)* COMMA? RBRACE ASSIGN expr  # destructureStmt
  | RETURN expr?                                                                # returnStmt
  | BREAK                                                                       # breakStmt
  | CONTINUE                                                                    # continueStmt
  | FOR ident (COMMA ident)? IN expr block                                      # forStmt
  | WHILE expr block                                                            # whileStmt
  | TRY block (CATCH ident? block)? (FINALLY block)?                            # tryStmt
  | expr (assignOp expr)?                                                       # exprStmt
  ;

destructField : ident (COLON ident)? ;
assignOp : ASSIGN | PLUS_EQ | MINUS_EQ | STAR_EQ | SLASH_EQ | PERCENT_EQ ;

// --- expressions (alternatives from tightest to loosest binding) -----------------------------
// Primary forms are alternatives of `expr` itself and names are inline token sets (not the
// `ident`/`memberName` rules): every leaf then costs one parse-tree node instead of three, which
// is most of the parser's memory and time (docs: bench/README.md).

expr
  : INT                                                              # intLit
  | FLOAT                                                            # floatLit
  | (TRUE | FALSE)                                                   # boolLit
  | str                                                              # strLit
  | type_name=(IDENT | ENV | DB | MODEL | AUTH | CORS | RATE_LIMIT | OPENAPI | HEALTH | PORT | BACKGROUND | SCHEDULE | CRON | EVERY | SUBSCRIBE | ON_START | ON_STOP | ON_ERROR | MIDDLEWARE | ROUTE | DISCOVER | AT) LBRACE recordFirstEntry (itemSep objEntry)* itemSep? RBRACE  # recordLit
  | name=(IDENT | ENV | DB | MODEL | AUTH | CORS | RATE_LIMIT | OPENAPI | HEALTH | PORT | BACKGROUND | SCHEDULE | CRON | EVERY | SUBSCRIBE | ON_START | ON_STOP | ON_ERROR | MIDDLEWARE | ROUTE | DISCOVER | AT)                                                    # nameRef
  | LPAREN expr RPAREN                                               # parenExpr
  | LBRACKET (arrayElem (COMMA arrayElem)* COMMA?)? RBRACKET         # arrayLit
  | objectLit                                                        # objectExpr
  | IF expr block (elseIf)* (ELSE block)?                            # ifExpr
  | MATCH expr LBRACE itemSep? (matchArm itemSep?)* RBRACE             # matchExpr
  | expr DOT member=(IDENT | ENV | DB | MODEL | AUTH | CORS | RATE_LIMIT | OPENAPI | HEALTH | PORT | BACKGROUND | SCHEDULE | CRON | EVERY | SUBSCRIBE | ON_START | ON_STOP | ON_ERROR | MIDDLEWARE | ROUTE | DISCOVER | AT | FN | IF | ELIF | ELSE | FOR | IN | WHILE | RETURN | BREAK | CONTINUE | MATCH | TRY | CATCH | FINALLY | VAR | LET | TRUE | FALSE | AWAIT | TYPE | SERVER | SHARED | WITH)                                       # memberExpr
  | expr LPAREN argList? RPAREN                   # callExpr
  | expr LBRACKET expr RBRACKET                   # indexExpr
  | expr BANG                                     # unwrapExpr
  | op=(MINUS | BANG) expr                        # unaryExpr
  | AWAIT expr                                    # awaitExpr
  | expr op=(STAR | SLASH | PERCENT) expr         # binaryExpr
  | expr op=(PLUS | MINUS) expr                   # binaryExpr
  | expr op=(DOTDOT | DOTDOTEQ) expr              # rangeExpr
  | expr PIPE_OP pipeTarget                       # pipeExpr
  | expr op=(LT | LE | GT | GE) expr              # binaryExpr
  | expr op=(EQEQ | NEQ) expr                     # binaryExpr
  | expr op=ANDAND expr                           # binaryExpr
  | expr op=OROR expr                             # binaryExpr
  // Last: as a prefix form its body takes the loosest precedence, so `fn(m) m.a == b` is one lambda.
  | FN paramList (ARROW typeExpr)? (block | expr)                    # lambdaExpr
  ;

// The right side of `|>`: a function name (possibly qualified) and optional call arguments.
// Not a general expression, so `x |> f() / n` is `(x |> f()) / n` and `x |> f()!` unwraps the
// pipe's result.
pipeTarget : head=(IDENT | ENV | DB | MODEL | AUTH | CORS | RATE_LIMIT | OPENAPI | HEALTH | PORT | BACKGROUND | SCHEDULE | CRON | EVERY | SUBSCRIBE | ON_START | ON_STOP | ON_ERROR | MIDDLEWARE | ROUTE | DISCOVER | AT) (DOT members+=(IDENT | ENV | DB | MODEL | AUTH | CORS | RATE_LIMIT | OPENAPI | HEALTH | PORT | BACKGROUND | SCHEDULE | CRON | EVERY | SUBSCRIBE | ON_START | ON_STOP | ON_ERROR | MIDDLEWARE | ROUTE | DISCOVER | AT | FN | IF | ELIF | ELSE | FOR | IN | WHILE | RETURN | BREAK | CONTINUE | MATCH | TRY | CATCH | FINALLY | VAR | LET | TRUE | FALSE | AWAIT | TYPE | SERVER | SHARED | WITH))* (LPAREN argList? RPAREN)? ;

argList : expr (COMMA expr)* COMMA? ;

elseIf : (ELIF | ELSE IF) expr block ;

arrayElem : ELLIPSIS? expr ;

objectLit : LBRACE (objEntry (itemSep objEntry)* itemSep?)? RBRACE ;
recordFirstEntry : key=(IDENT | ENV | DB | MODEL | AUTH | CORS | RATE_LIMIT | OPENAPI | HEALTH | PORT | BACKGROUND | SCHEDULE | CRON | EVERY | SUBSCRIBE | ON_START | ON_STOP | ON_ERROR | MIDDLEWARE | ROUTE | DISCOVER | AT | FN | IF | ELIF | ELSE | FOR | IN | WHILE | RETURN | BREAK | CONTINUE | MATCH | TRY | CATCH | FINALLY | VAR | LET | TRUE | FALSE | AWAIT | TYPE | SERVER | SHARED | WITH) COLON expr | str COLON expr ;
objEntry
  : key=(IDENT | ENV | DB | MODEL | AUTH | CORS | RATE_LIMIT | OPENAPI | HEALTH | PORT | BACKGROUND | SCHEDULE | CRON | EVERY | SUBSCRIBE | ON_START | ON_STOP | ON_ERROR | MIDDLEWARE | ROUTE | DISCOVER | AT | FN | IF | ELIF | ELSE | FOR | IN | WHILE | RETURN | BREAK | CONTINUE | MATCH | TRY | CATCH | FINALLY | VAR | LET | TRUE | FALSE | AWAIT | TYPE | SERVER | SHARED | WITH) COLON expr    # namedEntry
  | str COLON expr           # quotedEntry
  | ident                    # shorthandEntry
  | ELLIPSIS expr            # spreadEntry
  ;

matchArm : pattern (IF expr)? FAT_ARROW (block | expr) ;

pattern : patternAtom (BAR patternAtom)* ;
patternAtom
  : ident (DOT ident)? (LPAREN (pattern (COMMA pattern)* COMMA?)? RPAREN)?   # namePattern
  | literalPattern ((DOTDOT | DOTDOTEQ) literalPattern)?                     # litPattern
  ;
literalPattern : MINUS? (INT | FLOAT) | str | TRUE | FALSE ;

// --- strings and names -----------------------------------------------------------------------

str : STR_OPEN strPart* STR_CLOSE ;
strPart
  : STR_TEXT                     # strText
  | STR_ESCAPE                   # strEscape
  | STR_INTERP expr RBRACE       # strInterp
  ;

// Names: identifiers and the soft keywords, which only mean something where an item starts.
// (Expressions use the same set inline; after `.` and as object keys every keyword is a name.)
ident
  : IDENT | ENV | DB | MODEL | AUTH | CORS | RATE_LIMIT | OPENAPI | HEALTH | PORT | BACKGROUND | SCHEDULE
  | CRON | EVERY | SUBSCRIBE | ON_START | ON_STOP | ON_ERROR | MIDDLEWARE | ROUTE | DISCOVER | AT
  ;
