#!/usr/bin/env python3
"""gen.py — a generator of well-typed random Lux programs (tests/gen/README.md).

`gen.py --seed N` prints one program; the same seed gives the same program. Programs are built
from a small type model (Int, Float, String, Bool, records, enums, [T], Option<T>,
Result<T, E>, function types): an expression of a wanted type is generated to a depth bound from
literals, names in scope, operators, built-ins of stdlib/builtins.def with arguments of the right
types, calls of the program's own functions, lambdas, pipes, `if` and `match`. Declarations cover
shared records and enums, typed functions, and servers with env settings, `var` state, routes
with typed path/query/body parameters, middleware, hooks, background jobs, schedules, events,
discover + RPC between two servers, and db + models.

The first line of a program lists the constructs it uses (`// constructs: a b c`), which the
driver (run_gen.py) counts.

`--known-bugs` also generates the three forms another change is fixing (README.md): built-ins
that mutate an argument (`cache_control`, `etag`) applied to an immutable binding, reassignment
of an immutable binding, and `break`/`continue` outside a loop. Without it the built-ins are
applied to `var` bindings only and the other two are never generated.
"""
import argparse
import random
import sys

# ---- the type model ------------------------------------------------------------------------
INT, FLOAT, STRING, BOOL = ("Int",), ("Float",), ("String",), ("Bool",)
SCALARS = [INT, FLOAT, STRING, BOOL]


def List(t):
    return ("List", t)


def Opt(t):
    return ("Opt", t)


def Res(t, e):
    return ("Res", t, e)


def Rec(n):
    return ("Rec", n)


def Enum(n):
    return ("Enum", n)


def Fn(params, ret):
    return ("Fn", tuple(params), ret)


def tname(t):
    k = t[0]
    if k in ("Int", "Float", "String", "Bool"):
        return k
    if k == "List":
        return "[" + tname(t[1]) + "]"
    if k == "Opt":
        return "Option<" + tname(t[1]) + ">"
    if k == "Res":
        return "Result<" + tname(t[1]) + ", " + tname(t[2]) + ">"
    if k in ("Rec", "Enum"):
        return t[1]
    if k == "Fn":
        return "fn(" + ", ".join(tname(p) for p in t[1]) + ") -> " + tname(t[2])
    raise ValueError(t)


KEYWORDS = set("fn if elif else for in while return break continue match try catch finally var let "
               "true false await type server shared with".split())


class Scope:
    """Names visible at a point: name -> (type, mutable)."""

    def __init__(self, parent=None):
        self.parent = parent
        self.names = {}

    def lookup_all(self):
        out = {} if self.parent is None else self.parent.lookup_all()
        out.update(self.names)
        return out

    def add(self, name, t, mutable=False):
        self.names[name] = (t, mutable)


class Gen:
    def __init__(self, seed, known_bugs=False, max_depth=3, unsupported=True):
        self.r = random.Random(seed)
        self.seed = seed
        self.known_bugs = known_bugs
        self.unsupported = unsupported
        self.max_depth = max_depth
        self.used = set()
        self.counter = 0
        self.records = {}   # name -> [(field, type, default_text_or_None)]
        self.enums = {}     # name -> [(variant, [payload types])]
        self.funcs = {}     # name -> (param types, ret type)  (visible in the current context)
        self.shared_funcs = {}
        self.lines = []
        self.in_request = False
        self.in_loop = False
        self.models = {}    # model accessor name -> record name (current server)

    # ---- helpers ------------------------------------------------------------------------------
    def use(self, c):
        self.used.add(c)

    # Names that are fine in Lux but are C++ keywords, macros of the C library, names of the
    # runtime, or soft keywords of Lux: each used at most once per program, for locals,
    # parameters and functions.
    AWKWARD = ["int", "class", "new", "delete", "this", "namespace", "template", "auto", "register",
               "signed", "unsigned", "char", "goto", "operator", "typename", "requires", "concept",
               "co_await", "char8_t", "NULL", "errno", "stdin", "stdout", "stderr", "EOF", "BUFSIZ",
               "INT_MAX", "PATH_MAX", "assert", "offsetof", "alloca", "lux", "std", "app", "args", "error",
               "Register", "main", "t1", "m2", "e2", "finally1", "env", "model", "route", "schedule",
               "health", "port", "cron", "every", "discover", "at", "middleware", "background"]

    def fresh(self, prefix):
        self.counter += 1
        if prefix in ("x", "v", "q", "p", "d", "it", "i", "j", "a", "b", "e", "sf", "f", "w", "u") and self.chance(0.04):
            if not hasattr(self, "awkward"):
                self.awkward = list(self.AWKWARD)
                self.r.shuffle(self.awkward)
            if self.awkward:
                self.use("awkward-name")
                return self.awkward.pop()
        return "%s%d" % (prefix, self.counter)

    def chance(self, p):
        return self.r.random() < p

    def pick(self, xs):
        return self.r.choice(list(xs))

    # ---- types --------------------------------------------------------------------------------
    def rand_type(self, depth=0, allow_fn=False):
        choices = ["Int", "Float", "String", "Bool"] * 3
        if depth < 2:
            choices += ["List", "Opt", "Res"]
        if self.records:
            choices += ["Rec"]
        if self.enums:
            choices += ["Enum"]
        if allow_fn and depth < 1:
            choices += ["Fn"]
        k = self.pick(choices)
        if k == "List":
            return List(self.rand_type(depth + 1))
        if k == "Opt":
            return Opt(self.rand_type(depth + 1))
        if k == "Res":
            return Res(self.rand_type(depth + 1), self.pick([STRING, INT]))
        if k == "Rec":
            return Rec(self.pick(sorted(self.records)))
        if k == "Enum":
            return Enum(self.pick(sorted(self.enums)))
        if k == "Fn":
            return Fn([self.pick(SCALARS)], self.pick(SCALARS))
        return (k,)

    # ---- literals -----------------------------------------------------------------------------
    def str_lit(self):
        words = ["alpha", "beta", "x", "lux", "a b", "tab\\t", "quote \\\"q\\\"", "brace \\{x\\}", "", "42",
                 "ünï", "\\u{1F600}", "semi;colon", "back\\\\slash"]
        self.use("string-escape")
        return '"' + self.pick(words) + '"'

    def int_lit(self):
        v = self.pick([0, 1, 2, 3, 7, 10, 42, 100, 1_000, -1, -5])
        if self.chance(0.1):
            self.use("int-literal-forms")
            return self.pick(["0xFF", "0b1010", "1_000"])
        return str(v) if v >= 0 else "(%d)" % v

    def float_lit(self):
        if self.chance(0.1):
            self.use("float-exponent")
            return "1.5e3"
        return self.pick(["0.0", "1.5", "2.25", "3.14", "10.0", "0.5"])

    # ---- expressions --------------------------------------------------------------------------
    def names_of(self, scope, t):
        return sorted(n for n, (nt, _) in scope.lookup_all().items() if nt == t)

    def expr(self, t, scope, depth=0):
        """An expression of type t."""
        if depth >= self.max_depth:
            return self.leaf(t, scope)
        names = self.names_of(scope, t)
        if names and self.chance(0.25):
            return self.pick(names)
        # a call of a program function returning t
        fns = sorted(n for n, (ps, rt) in self.funcs.items() if rt == t)
        if fns and self.chance(0.2):
            f = self.pick(fns)
            ps, _ = self.funcs[f]
            self.use("call-user-fn")
            args = [self.expr(p, scope, depth + 1) for p in ps]
            if args and self.chance(0.3):
                self.use("pipe-user-fn")
                return "(%s |> %s(%s))" % (self.paren(args[0]), f, ", ".join(args[1:]))
            return "%s(%s)" % (f, ", ".join(args))
        if self.chance(0.06):
            return self.if_expr(t, scope, depth)
        if self.chance(0.06):
            return self.match_expr(t, scope, depth)
        if self.chance(0.04):
            return self.field_access(t, scope, depth)
        if self.chance(0.04):
            self.use("lambda-call")
            p = self.pick(SCALARS)
            v = self.fresh("l")
            inner = Scope(scope)
            inner.add(v, p)
            body = self.expr(t, inner, depth + 1)
            return "(fn(%s: %s) -> %s { %s })(%s)" % (v, tname(p), tname(t), body, self.expr(p, scope, depth + 1))
        k = t[0]
        m = getattr(self, "e_" + k)
        return m(t, scope, depth)

    def paren(self, s):
        plain_string = s.startswith('"') and s.endswith('"') and s.count('"') == 2
        return s if s.replace("_", "").isalnum() or plain_string else "(" + s + ")"

    def leaf(self, t, scope):
        names = self.names_of(scope, t)
        if names and self.chance(0.5):
            return self.pick(names)
        k = t[0]
        if k == "Int":
            return self.int_lit()
        if k == "Float":
            return self.float_lit()
        if k == "String":
            return self.str_lit()
        if k == "Bool":
            return self.pick(["true", "false"])
        if k == "List":
            if self.chance(0.3):
                self.use("empty-list")
                return "[]"
            return "[" + self.leaf(t[1], scope) + "]"
        if k == "Opt":
            if self.chance(0.4):
                return "None"
            return "Some(" + self.leaf(t[1], scope) + ")"
        if k == "Res":
            if self.chance(0.5):
                return "Ok(" + self.leaf(t[1], scope) + ")"
            return "Err(" + self.leaf(t[2], scope) + ")"
        if k == "Rec":
            return self.record_lit(t[1], scope, self.max_depth)
        if k == "Enum":
            return self.variant_lit(t[1], scope, self.max_depth)
        if k == "Fn":
            return self.lambda_of(t, scope, self.max_depth)
        raise ValueError(t)

    def if_expr(self, t, scope, depth):
        self.use("if-expr")
        c = self.expr(BOOL, scope, depth + 1)
        a = self.expr(t, scope, depth + 1)
        b = self.expr(t, scope, depth + 1)
        return "(if %s { %s } else { %s })" % (c, a, b)

    def field_access(self, t, scope, depth):
        # a record whose field has type t
        for rn in sorted(self.records):
            for fname, ft, _ in self.records[rn]:
                if ft == t and self.chance(0.5):
                    self.use("field-access")
                    return "%s.%s" % (self.paren(self.expr(Rec(rn), scope, depth + 1)), fname)
        return self.leaf(t, scope)

    def match_expr(self, t, scope, depth):
        """A `match` producing t over a scrutinee of a random type, with exhaustive arms."""
        kind = self.pick(["Int", "String", "Bool", "Opt", "Res", "Enum", "Enum"])
        arms = []
        inner_scope = lambda: Scope(scope)
        if kind == "Enum" and self.enums:
            en = self.pick(sorted(self.enums))
            self.use("match-enum")
            scrut = self.expr(Enum(en), scope, depth + 1)
            variants = self.enums[en]
            covered = variants if self.chance(0.7) else variants[: max(1, len(variants) - 1)]
            if self.chance(0.3) and len(covered) >= 2:
                # an or-pattern over payload-free variants
                bare = [v for v, ps in covered if not ps]
                if len(bare) >= 2:
                    self.use("match-or-pattern")
                    arms.append((" | ".join(bare[:2]), self.expr(t, scope, depth + 1)))
                    covered = [(v, ps) for v, ps in covered if v not in bare[:2]]
            for v, ps in covered:
                s = inner_scope()
                if ps:
                    binds = []
                    for p in ps:
                        b = self.fresh("pb")  # a pattern binding must start lower-case
                        s.add(b, p)
                        binds.append(b)
                    self.use("match-payload")
                    pat = "%s(%s)" % (v, ", ".join(binds))
                else:
                    pat = v if self.chance(0.8) else "%s.%s" % (en, v)
                    if "." in pat:
                        self.use("match-qualified-variant")
                if ps and self.chance(0.2):
                    self.use("match-guard")
                    guard = self.expr(BOOL, s, depth + 2)
                    arms.append(("%s if %s" % (pat, guard), self.expr(t, s, depth + 1)))
                    arms.append(("%s(%s)" % (v, ", ".join("_" for _ in ps)), self.expr(t, scope, depth + 1)))
                    continue
                arms.append((pat, self.expr(t, s, depth + 1)))
            if len(covered) < len(variants) or self.chance(0.0):
                arms.append(("_", self.expr(t, scope, depth + 1)))
        elif kind == "Opt":
            et = self.pick(SCALARS)
            self.use("match-option")
            scrut = self.expr(Opt(et), scope, depth + 1)
            s = inner_scope()
            b = self.fresh("vb")
            s.add(b, et)
            arms = [("Some(%s)" % b, self.expr(t, s, depth + 1)), ("None", self.expr(t, scope, depth + 1))]
        elif kind == "Res":
            et = self.pick(SCALARS)
            self.use("match-result")
            scrut = self.expr(Res(et, STRING), scope, depth + 1)
            s1, s2 = inner_scope(), inner_scope()
            b1, b2 = self.fresh("ok"), self.fresh("eb")
            s1.add(b1, et)
            s2.add(b2, STRING)
            arms = [("Ok(%s)" % b1, self.expr(t, s1, depth + 1)), ("Err(%s)" % b2, self.expr(t, s2, depth + 1))]
        elif kind == "Bool":
            self.use("match-bool")
            scrut = self.expr(BOOL, scope, depth + 1)
            arms = [("true", self.expr(t, scope, depth + 1)), ("false", self.expr(t, scope, depth + 1))]
        elif kind == "String":
            self.use("match-string")
            scrut = self.expr(STRING, scope, depth + 1)
            arms = [('"a"', self.expr(t, scope, depth + 1))]
            s = inner_scope()
            b = self.fresh("other")
            s.add(b, STRING)
            arms.append((b, self.expr(t, s, depth + 1)))
        else:
            self.use("match-int")
            scrut = self.expr(INT, scope, depth + 1)
            arms = [("0", self.expr(t, scope, depth + 1))]
            if self.chance(0.5):
                self.use("match-range")
                arms.append((self.pick(["1..10", "1..=9", "10 | 20"]), self.expr(t, scope, depth + 1)))
            if self.chance(0.3):
                arms.append(("(-1)" if False else "-1", self.expr(t, scope, depth + 1)))
            arms.append(("_", self.expr(t, scope, depth + 1)))
        if self.chance(0.2) and arms:
            # a block arm
            self.use("match-block-arm")
            p, e = arms[0]
            arms[0] = (p, "{ print(%s); %s }" % (self.str_lit(), e))
        body = "\n".join("      %s => %s" % (p, e) for p, e in arms)
        return "(match %s {\n%s\n    })" % (scrut, body)

    def builtin_lambda(self, t, scope, depth):
        """A lambda passed to a built-in: half of them leave their parameter types to inference from
        the built-in's signature (`xs |> map(fn(x) x.a)`: `x` is the element type of `xs`)."""
        if not self.chance(0.5):
            return self.lambda_of(t, scope, depth)
        params, ret = t[1], t[2]
        names = [self.fresh("a") for _ in params]
        s = Scope(scope)
        for n, p in zip(names, params):
            s.add(n, p)
        self.use("lambda-inferred")
        return "fn(%s) %s" % (", ".join(names), self.expr(ret, s, depth + 1))

    def elem_source(self):
        """An element type to start a chain from: a scalar or one of the program's records."""
        return self.pick(SCALARS + [Rec(rn) for rn in sorted(self.records)])

    def pipe_chain(self, et, scope, d):
        """`xs |> filter(fn(x) ...) |> map(fn(x) ...)` ending in a list of et, its lambdas' parameters
        inferred through the chain; sometimes sorted or cut short on the way."""
        self.use("pipe-chain")
        src = self.elem_source()
        parts = [self.paren(self.expr(List(src), scope, d + 1))]
        parts.append("filter(%s)" % self.builtin_lambda(Fn([src], BOOL), scope, d + 1))
        if self.chance(0.3):
            parts.append("take(%s)" % self.pick(["1", "3"]))
        parts.append("map(%s)" % self.builtin_lambda(Fn([src], et), scope, d + 1))
        if et in (INT, FLOAT, STRING) and self.chance(0.3):
            self.use("pipe-chain-sort")
            a = self.fresh("a")
            parts.append("sort_by(fn(%s) %s)" % (a, a))
        return "(" + " |> ".join(parts) + ")"

    def record_chain(self, t, scope, d):
        """A chain of built-ins over a list of one of the program's records that gives a value of
        type t (Int, Float, String or Option of the record), reading the records' fields in
        inferred lambdas: sort_by a field, reduce with an accumulator, map then sum or join, find;
        None when no record has a field of the type needed."""
        cands = []
        for rn in sorted(self.records):
            fields = self.records[rn]
            if t in (INT, FLOAT):
                cands += [(rn, f) for f, ft, _ in fields if ft == t]
            elif t == STRING:
                cands += [(rn, f) for f, ft, _ in fields if ft in (STRING, INT)]
            elif t == Opt(Rec(rn)):
                cands += [(rn, f) for f, ft, _ in fields if ft in SCALARS]
        if not cands:
            return None
        rn, f = self.pick(cands)
        ft = dict((n, ty) for n, ty, _ in self.records[rn])[f]
        xs = self.paren(self.expr(List(Rec(rn)), scope, d + 1))
        a, b = self.fresh("r"), self.fresh("r")
        keep = Scope(scope)
        keep.add(a, Rec(rn))
        cond = self.expr(BOOL, keep, d + 2)
        steps = []
        if self.chance(0.5):
            steps.append("filter(fn(%s) %s)" % (a, cond))
        if self.chance(0.5) and ft in (INT, FLOAT, STRING):
            self.use("record-chain-sort")
            steps.append("sort_by(fn(%s) %s.%s)" % (a, a, f))
        if self.chance(0.3):
            steps.append("take(%s)" % self.pick(["2", "5"]))
        if t in (INT, FLOAT):
            if self.chance(0.5):
                self.use("record-chain-reduce")
                init = "0" if t == INT else "0.0"
                steps.append("reduce(fn(%s, %s) %s + %s.%s, %s)" % (b, a, b, a, f, init))
            else:
                self.use("record-chain-sum")
                steps += ["map(fn(%s) %s.%s)" % (a, a, f), "sum()"]
        elif t == STRING:
            self.use("record-chain-join")
            field = "%s.%s" % (a, f) if ft == STRING else "to_string(%s.%s)" % (a, f)
            steps += ["map(fn(%s) %s)" % (a, field), 'join(", ")']
        else:
            self.use("record-chain-find")
            steps.append("find(fn(%s) %s)" % (a, cond))
        return "(%s)" % " |> ".join([xs] + steps)

    def lambda_of(self, t, scope, depth):
        params, ret = t[1], t[2]
        names = [self.fresh("a") for _ in params]
        s = Scope(scope)
        for n, p in zip(names, params):
            s.add(n, p)
        body = self.expr(ret, s, depth + 1)
        if self.chance(0.5):
            self.use("lambda-typed")
            return "fn(%s) -> %s { %s }" % (", ".join("%s: %s" % (n, tname(p)) for n, p in zip(names, params)),
                                           tname(ret), body)
        self.use("lambda-short")
        return "fn(%s) %s" % (", ".join("%s: %s" % (n, tname(p)) for n, p in zip(names, params)), body)

    def record_lit(self, rn, scope, depth):
        self.use("record-construction")
        fields = self.records[rn]
        parts = []
        for i, (fname, ft, default) in enumerate(fields):
            if default is not None and i > 0 and self.chance(0.4):
                self.use("record-default-omitted")
                continue
            parts.append("%s: %s" % (fname, self.expr(ft, scope, depth + 1)))
        return "%s { %s }" % (rn, ", ".join(parts))

    def variant_lit(self, en, scope, depth):
        v, ps = self.pick(self.enums[en])
        if ps:
            self.use("enum-payload")
            return "%s(%s)" % (v, ", ".join(self.expr(p, scope, depth + 1) for p in ps))
        self.use("enum-variant")
        return v if self.chance(0.8) else "%s.%s" % (en, v)

    # -- per kind
    def e_Int(self, t, scope, d):
        c = self.r.randrange(14)
        if c == 0:
            self.use("arith-int")
            op = self.pick(["+", "-", "*"])
            return "%s %s %s" % (self.paren(self.expr(INT, scope, d + 1)), op, self.paren(self.expr(INT, scope, d + 1)))
        if c == 1:
            self.use("builtin-len")
            x = self.expr(self.pick([STRING, List(self.rand_type(1))]), scope, d + 1)
            return "len(%s)" % x if self.chance(0.5) else "(%s |> len())" % self.paren(x)
        if c == 2:
            self.use("builtin-to_int")
            return "to_int(%s)" % self.expr(self.pick([INT, FLOAT, BOOL]), scope, d + 1)
        if c == 3:
            self.use("builtin-Date.now")
            return "Date.now()"
        if c == 4:
            self.use("builtin-unwrapOr")
            return "unwrapOr(%s, %s)" % (self.expr(Opt(INT), scope, d + 1), self.expr(INT, scope, d + 1))
        if c == 5:
            self.use("duration")
            # a Duration is its own type; Date.now() + d stays an Int (a timestamp)
            d_ = self.pick(["30.seconds", "1.minute", "5.minutes", "2.hours", "1.day", "500.ms", "1.week"])
            return self.pick(["to_int(%s)" % d_, "Date.now() + %s" % d_])
        if c == 6:
            self.use("arith-int-div")
            return "%s %s %s" % (self.paren(self.expr(INT, scope, d + 1)), self.pick(["/", "%"]), self.pick(["2", "3", "7"]))
        if c == 7:
            self.use("builtin-sum")
            return "to_int(sum(%s))" % self.expr(List(INT), scope, d + 1)
        if c == 8:
            self.use("unary-minus")
            return "-%s" % self.paren(self.expr(INT, scope, d + 1))
        if c == 9 and self.in_request and self.models:
            m = self.pick(sorted(self.models))
            self.use("model-count")
            return "%s.count()" % m
        if c == 11:
            self.use("builtin-reduce")
            src = self.elem_source()
            lam = self.builtin_lambda(Fn([INT, src], INT), scope, d + 1)
            return "reduce(%s, %s, %s)" % (self.expr(List(src), scope, d + 1), lam, self.expr(INT, scope, d + 1))
        if c == 12:
            self.use("pipe-chain-len")
            return "(%s |> len())" % self.pipe_chain(self.pick(SCALARS), scope, d)[1:-1]
        if c == 13:
            chain = self.record_chain(INT, scope, d)
            if chain:
                return chain
        if c == 10:
            self.use("builtin-unwrapOr-result")
            return "(%s |> unwrapOr(%s))" % (self.paren(self.expr(Res(INT, STRING), scope, d + 1)), self.expr(INT, scope, d + 1))
        return self.leaf(t, scope)

    def e_Float(self, t, scope, d):
        c = self.r.randrange(8)
        if c == 0:
            self.use("arith-float")
            op = self.pick(["+", "-", "*", "/"])
            rhs = self.paren(self.expr(FLOAT, scope, d + 1)) if op != "/" else "2.0"
            return "%s %s %s" % (self.paren(self.expr(FLOAT, scope, d + 1)), op, rhs)
        if c == 1:
            self.use("builtin-to_float")
            return "to_float(%s)" % self.expr(self.pick([INT, FLOAT, BOOL]), scope, d + 1)
        if c == 2:
            self.use("builtin-Process.uptime")
            return "Process.uptime()"
        if c == 3:
            self.use("arith-mixed")
            return "%s * %s" % (self.paren(self.expr(INT, scope, d + 1)), self.paren(self.expr(FLOAT, scope, d + 1)))
        if c == 4:
            chain = self.record_chain(FLOAT, scope, d)
            if chain:
                return chain
        return self.leaf(t, scope)

    def e_String(self, t, scope, d):
        c = self.r.randrange(19)
        if c == 18:
            chain = self.record_chain(STRING, scope, d)
            if chain:
                return chain
        if c == 0:
            self.use("interpolation")
            parts = []
            for _ in range(self.r.randrange(1, 3)):
                parts.append("pre " if self.chance(0.5) else "")
                et = self.pick([INT, FLOAT, STRING, BOOL, List(INT)])
                inner = self.expr(et, scope, d + 2)
                if "\n" in inner:
                    inner = self.leaf(et, scope)
                parts.append("{" + inner + "}")
            return '"' + "".join(parts) + ' end"'
        if c == 1:
            self.use("string-concat")
            # `+` joins two Strings; another operand goes through to_string (the checker knows both types)
            rhs = self.expr(self.pick(SCALARS), scope, d + 1)
            if not (rhs.startswith('"') and rhs.endswith('"') and rhs.count('"') == 2):
                rhs = "to_string(%s)" % rhs
            return "%s + %s" % (self.paren(self.expr(STRING, scope, d + 1)), rhs)
        if c == 2:
            self.use("builtin-to_string")
            return "to_string(%s)" % self.expr(self.rand_type(1), scope, d + 1)
        if c == 3:
            f = self.pick(["upper", "lower", "trim"])
            self.use("builtin-" + f)
            x = self.expr(STRING, scope, d + 1)
            return "%s(%s)" % (f, x) if self.chance(0.5) else "(%s |> %s())" % (self.paren(x), f)
        if c == 4:
            self.use("builtin-join")
            et = self.pick([STRING, INT, FLOAT])
            if self.chance(0.3):
                return "join(%s)" % self.expr(List(et), scope, d + 1)
            return "(%s |> join(%s))" % (self.paren(self.expr(List(et), scope, d + 1)), self.str_lit())
        if c == 5:
            self.use("builtin-uuid")
            return "uuid()"
        if c == 6:
            self.use("builtin-JSON.stringify")
            if self.chance(0.3):
                return "JSON.stringify(%s, true)" % self.expr(self.rand_type(1), scope, d + 1)
            return "JSON.stringify(%s)" % self.expr(self.rand_type(1), scope, d + 1)
        if c == 7 and self.in_request:
            self.use("builtin-request_id")
            return self.pick(["request_id()", "__getRequestId()"])
        if c == 8:
            self.use("builtin-unwrapOr-string")
            return "(%s |> unwrapOr(%s))" % (self.paren(self.expr(Opt(STRING), scope, d + 1)), self.str_lit())
        if c == 9:
            self.use("enum-to-string")
            if self.enums:
                return "to_string(%s)" % self.expr(Enum(self.pick(sorted(self.enums))), scope, d + 1)
        return self.leaf(t, scope)

    def e_Bool(self, t, scope, d):
        c = self.r.randrange(10)
        if c == 0:
            self.use("compare")
            et = self.pick([INT, FLOAT, STRING])
            return "%s %s %s" % (self.expr(et, scope, d + 1), self.pick(["<", "<=", ">", ">="]), self.expr(et, scope, d + 1))
        if c == 1:
            self.use("equality")
            et = self.pick([INT, STRING, BOOL, FLOAT])
            return "%s %s %s" % (self.expr(et, scope, d + 1), self.pick(["==", "!="]), self.expr(et, scope, d + 1))
        if c == 2:
            self.use("logic")
            return "%s %s %s" % (self.paren(self.expr(BOOL, scope, d + 1)), self.pick(["&&", "||"]), self.paren(self.expr(BOOL, scope, d + 1)))
        if c == 3:
            self.use("not")
            return "!%s" % self.paren(self.expr(BOOL, scope, d + 1))
        if c == 4:
            self.use("builtin-contains")
            if self.chance(0.5):
                return "contains(%s, %s)" % (self.expr(STRING, scope, d + 1), self.str_lit())
            et = self.pick([INT, STRING])
            return "(%s |> contains(%s))" % (self.paren(self.expr(List(et), scope, d + 1)), self.expr(et, scope, d + 1))
        return self.leaf(t, scope)

    def e_List(self, t, scope, d):
        et = t[1]
        c = self.r.randrange(12)
        if c == 0:
            self.use("list-literal")
            n = self.r.randrange(0, 4)
            if n == 0:
                return "[]"
            return "[" + ", ".join(self.expr(et, scope, d + 1) for _ in range(n)) + "]"
        if c == 1:
            self.use("builtin-map")
            src = self.pick(SCALARS)
            lam = self.builtin_lambda(Fn([src], et), scope, d + 1)
            xs = self.expr(List(src), scope, d + 1)
            return "map(%s, %s)" % (xs, lam) if self.chance(0.5) else "(%s |> map(%s))" % (self.paren(xs), lam)
        if c == 2:
            self.use("builtin-filter")
            lam = self.builtin_lambda(Fn([et], BOOL), scope, d + 1)
            return "(%s |> filter(%s))" % (self.paren(self.expr(t, scope, d + 1)), lam)
        if c == 3:
            self.use("builtin-take")
            return "take(%s, %s)" % (self.expr(t, scope, d + 1), self.pick(["0", "1", "2", "10"]))
        if c == 4 and et in (INT, FLOAT, STRING):
            self.use("builtin-sort_by")
            if self.chance(0.5):
                lam = self.builtin_lambda(Fn([et], et), scope, d + 1)
            else:
                self.use("sort_by-compare")
                a, b = self.fresh("a"), self.fresh("b")
                lam = "fn(%s: %s, %s: %s) %s < %s" % (a, tname(et), b, tname(et), a, b)
            return "(%s |> sort_by(%s))" % (self.paren(self.expr(t, scope, d + 1)), lam)
        if c == 5 and et == STRING:
            self.use("builtin-split")
            return "split(%s, %s)" % (self.expr(STRING, scope, d + 1), self.pick(['","', '" "', '""']))
        if c == 6 and et == INT:
            self.use("builtin-range")
            return self.pick(["range(3)", "range(1, 5)", "range(0, 10, 3)", "range(%s)" % self.pick(["2", "0"])])
        if c == 7 and self.unsupported:
            self.use("list-spread")
            return "[%s, ...%s]" % (self.expr(et, scope, d + 1), self.paren(self.expr(t, scope, d + 1)))
        if c == 9:
            return self.pipe_chain(et, scope, d)
        if c == 8 and et == STRING:
            self.use("builtin-keys")
            return "keys({ a: 1, b: %s })" % self.expr(INT, scope, d + 1)
        return self.leaf(t, scope)

    def e_Opt(self, t, scope, d):
        et = t[1]
        c = self.r.randrange(7)
        if c == 6 and et[0] == "Rec":
            chain = self.record_chain(t, scope, d)
            if chain:
                return chain
        if c == 0:
            self.use("option-some")
            return "Some(%s)" % self.expr(et, scope, d + 1)
        if c == 1:
            self.use("builtin-first")
            xs = self.expr(List(et), scope, d + 1)
            return "first(%s)" % xs if self.chance(0.5) else "(%s |> first())" % self.paren(xs)
        if c == 2:
            self.use("option-none")
            return "None"
        if c == 3:
            self.use("pipe-chain-first")
            return "(%s |> first())" % self.pipe_chain(et, scope, d)[1:-1]
        if c == 4:
            self.use("builtin-find")
            xs = self.paren(self.expr(List(et), scope, d + 1))
            return "(%s |> find(%s))" % (xs, self.builtin_lambda(Fn([et], BOOL), scope, d + 1))
        return self.leaf(t, scope)

    def e_Res(self, t, scope, d):
        c = self.r.randrange(5)
        if c == 0:
            self.use("result-ok")
            return "Ok(%s)" % self.expr(t[1], scope, d + 1)
        if c == 1:
            self.use("result-err")
            return "Err(%s)" % self.expr(t[2], scope, d + 1)
        if c == 2:
            self.use("builtin-ok_or")
            return "(%s |> ok_or(%s))" % (self.paren(self.expr(Opt(t[1]), scope, d + 1)), self.expr(t[2], scope, d + 1))
        return self.leaf(t, scope)

    def e_Rec(self, t, scope, d):
        return self.record_lit(t[1], scope, d)

    def e_Enum(self, t, scope, d):
        return self.variant_lit(t[1], scope, d)

    def e_Fn(self, t, scope, d):
        return self.lambda_of(t, scope, d)

    # ---- statements ---------------------------------------------------------------------------
    def block(self, scope, ret, indent, n_stmts, fn_ret=None):
        """Statements, then (when ret is not None) a final expression of type ret."""
        out = []
        for _ in range(n_stmts):
            out.extend(self.stmt(scope, indent, fn_ret))
        if ret is not None:
            out.append(indent + self.expr(ret, scope, 0))
        return out

    def stmt(self, scope, ind, fn_ret):
        if self.known_bugs and self.chance(0.05):
            # the forms another change turns into checker errors (README.md, --known-bugs)
            if self.chance(0.5):
                self.use("known-bug-reassign-immutable")
                n = self.fresh("im")
                scope.add(n, INT)
                return [ind + "%s = 1" % n, ind + "%s = 2" % n, ind + "print(%s)" % n]
            if not self.in_loop:
                self.use("known-bug-break-outside-loop")
                return [ind + "if %s { %s }" % (self.expr(BOOL, scope, 1), self.pick(["break", "continue"]))]
        c = self.r.randrange(18)
        if c == 16:
            return self.guard_stmt(scope, ind, fn_ret)
        if c == 17:
            opts = sorted(n for n, (nt, _) in scope.lookup_all().items() if nt[0] == "Opt")
            if opts:
                self.use("nil-compare")
                n = self.pick(opts)
                return [ind + "if %s %s nil { print(\"%s\") }" % (n, self.pick(["==", "!="]), n)]
        if c <= 2:
            t = self.rand_type(0, allow_fn=True)
            n = self.fresh("x")
            e = self.expr(t, scope, 0)
            form = self.r.randrange(3)
            scope.add(n, t)
            if form == 0:
                self.use("binding")
                return [ind + "%s = %s" % (n, e)]
            if form == 1:
                self.use("let-binding")
                return [ind + "let %s = %s" % (n, e)]
            self.use("typed-binding")
            return [ind + "let %s: %s = %s" % (n, tname(t), e)] if False else [ind + "%s = %s" % (n, e)]
        if c == 3:
            t = self.pick([INT, FLOAT, STRING])
            n = self.fresh("v")
            self.use("var")
            lines = [ind + ("var %s: %s = %s" % (n, tname(t), self.expr(t, scope, 1)) if self.chance(0.3)
                            else "var %s = %s" % (n, self.expr(t, scope, 1)))]
            scope.add(n, t, True)
            op = "+=" if t != STRING or True else "+="
            self.use("compound-assign")
            ops = ["+="] if t == STRING else ["+=", "-=", "*="]
            lines.append(ind + "%s %s %s" % (n, self.pick(ops), self.expr(t, scope, 1)))
            if self.chance(0.5):
                self.use("var-reassign")
                lines.append(ind + "%s = %s" % (n, self.expr(t, scope, 1)))
            return lines
        if c == 4:
            self.use("for-loop")
            et = self.pick(SCALARS + [self.rand_type(1)])
            v = self.fresh("it")
            inner = Scope(scope)
            inner.add(v, et)
            hdr = "for %s in %s {" % (v, self.expr(List(et), scope, 1))
            if self.chance(0.3):
                self.use("for-index")
                i = self.fresh("i")
                inner.add(i, INT)
                hdr = "for %s, %s in %s {" % (i, v, self.expr(List(et), scope, 1))
            old = self.in_loop
            self.in_loop = True
            body = self.block(inner, None, ind + "  ", self.r.randrange(1, 3), fn_ret)
            if self.chance(0.3):
                self.use("break-continue")
                body.append(ind + "  if %s { %s }" % (self.expr(BOOL, inner, 1), self.pick(["break", "continue"])))
            self.in_loop = old
            return [ind + hdr] + body + [ind + "}"]
        if c == 5:
            self.use("while-loop")
            n = self.fresh("w")
            lines = [ind + "var %s = 0" % n, ind + "while %s < %s {" % (n, self.pick(["3", "2"]))]
            scope.add(n, INT, True)
            inner = Scope(scope)
            lines.append(ind + "  %s += 1" % n)
            old = self.in_loop
            self.in_loop = True
            lines += self.block(inner, None, ind + "  ", self.r.randrange(0, 2), fn_ret)
            self.in_loop = old
            return lines + [ind + "}"]
        if c == 6:
            self.use("if-stmt")
            lines = [ind + "if %s {" % self.expr(BOOL, scope, 1)]
            lines += self.block(Scope(scope), None, ind + "  ", 1, fn_ret)
            if self.chance(0.4):
                self.use("elif")
                lines.append(ind + "} elif %s {" % self.expr(BOOL, scope, 1))
                lines += self.block(Scope(scope), None, ind + "  ", 1, fn_ret)
            if self.chance(0.5):
                lines.append(ind + "} else {")
                lines += self.block(Scope(scope), None, ind + "  ", 1, fn_ret)
            return lines + [ind + "}"]
        if c == 7:
            self.use("builtin-print")
            args = [self.expr(self.rand_type(1), scope, 1) for _ in range(self.r.randrange(0, 3))]
            return [ind + "print(%s)" % ", ".join(args)]
        if c == 8:
            self.use("builtin-each")
            et = self.pick(SCALARS)
            v = self.fresh("e")
            if self.chance(0.5):
                self.use("lambda-inferred")
                return [ind + "each(%s, fn(%s) { print(%s) })" % (self.expr(List(et), scope, 1), v, v)]
            return [ind + "each(%s, fn(%s: %s) { print(%s) })" % (self.expr(List(et), scope, 1), v, tname(et), v)]
        if c == 9 and fn_ret is not None:
            self.use("early-return")
            return [ind + "if %s { return %s }" % (self.expr(BOOL, scope, 1), self.expr(fn_ret, scope, 1))]
        if c == 10:
            self.use("try-catch")
            e = self.fresh("err")
            lines = [ind + "try {"]
            lines += self.block(Scope(scope), None, ind + "  ", 1, fn_ret)
            thrown = self.chance(0.6)
            if thrown:
                # the caught value is the thrown one itself: printed and logged whole
                value = self.thrown_value(scope)
                if self.chance(0.5):
                    self.use("throw-conditional")
                    lines.append(ind + "  if %s { throw %s }" % (self.expr(BOOL, scope, 1), value))
                else:
                    self.use("throw")
                    lines.append(ind + "  throw %s" % value)
            lines.append(ind + "} catch %s {" % e)
            s = Scope(scope)
            if thrown:
                self.use("catch-thrown-value")
                lines.append(ind + "  print(%s)" % e)
                lines.append(ind + '  log.warn("caught", { error: %s })' % e)
            else:
                lines.append(ind + "  print(%s.message)" % e)
            if self.unsupported and self.chance(0.4):
                self.use("finally")
                lines.append(ind + "} finally {")
                lines.append(ind + "  print(\"done\")")
            return lines + [ind + "}"]
        if c == 11 and self.records:
            self.use("destructuring")
            rn = self.pick(sorted(self.records))
            fields = self.records[rn]
            f0 = fields[0]
            n = self.fresh("d")
            value = self.record_lit(rn, scope, 1)
            scope.add(n, f0[1])
            return [ind + "let { %s: %s } = %s" % (f0[0], n, value)]
        if c == 12:
            self.use("match-stmt")
            return [ind + "print(%s)" % self.match_expr(STRING, scope, 1)]
        if c == 13 and self.in_request and self.jobs:
            return [ind + self.spawn(scope)]
        if c == 14 and self.in_request and self.events_pub:
            ev, et = self.pick(sorted(self.events_pub.items()))
            self.use("publish")
            return [ind + "publish(%s, %s)" % ('"%s"' % ev, self.expr(et, scope, 1))]
        if c == 15 and self.fn_unwrap_ok is not None:
            # `x!` inside a function returning a Result
            self.use("unwrap-bang")
            t = self.pick(SCALARS)
            n = self.fresh("u")
            e = "%s |> ok_or(%s)!" % (self.paren(self.expr(Opt(t), scope, 1)), self.expr(self.fn_unwrap_ok, scope, 1))
            scope.add(n, t)
            return [ind + "%s = %s" % (n, e)]
        if c == 15 or self.chance(0.3):
            return self.effect_stmt(scope, ind)
        self.use("builtin-print")
        return [ind + "print(%s)" % self.expr(self.pick(SCALARS), scope, 1)]

    def thrown_value(self, scope):
        """What a `throw` raises: a String, an interpolated one, a record of the program or an object."""
        c = self.r.randrange(4)
        if c == 0 and self.records:
            self.use("throw-record")
            return self.record_lit(self.pick(sorted(self.records)), scope, 2)
        if c == 1:
            self.use("throw-object")
            return "{ code: %s, message: %s }" % (self.expr(INT, scope, 2), self.expr(STRING, scope, 2))
        if c == 2:
            inner = self.expr(INT, scope, 2)
            if "\n" in inner:  # an interpolation stays on its line
                inner = self.leaf(INT, scope)
            return '"failed: {%s}"' % inner
        return self.str_lit()

    def log_stmt(self, scope, ind):
        """log.debug/info/warn/error: a message alone, with a fields object of any values (records,
        lists, Options), or any value itself."""
        level = self.pick(["debug", "info", "warn", "error"])
        self.use("log-" + level)
        c = self.r.randrange(3)
        if c == 0:
            return [ind + "log.%s(%s)" % (level, self.expr(STRING, scope, 2))]
        if c == 1:
            self.use("log-fields")
            fields = ", ".join("%s: %s" % (self.fresh("k"), self.expr(self.rand_type(1), scope, 2))
                               for _ in range(self.r.randrange(1, 3)))
            return [ind + "log.%s(%s, { %s })" % (level, self.str_lit(), fields)]
        return [ind + "log.%s(%s)" % (level, self.expr(self.rand_type(1), scope, 2))]
    def guard_stmt(self, scope, ind, fn_ret):
        """`guard cond else { ... }` leaving by return, continue or throw; on an Option in scope,
        `guard x != nil` (which makes x its element type afterwards)."""
        if fn_ret is not None:
            leave = "return %s" % self.expr(fn_ret, scope, 1)
        elif self.in_loop:
            leave = self.pick(["continue", "break"])
        else:
            leave = 'throw "guard failed"'
        opts = sorted(n for n, (nt, _) in scope.lookup_all().items() if nt[0] == "Opt")
        if opts and self.chance(0.5):
            self.use("guard-nil")
            n = self.pick(opts)
            return [ind + "guard %s != nil else { %s }" % (n, leave), ind + "print(%s)" % n]
        self.use("guard")
        return [ind + "guard %s else {" % self.expr(BOOL, scope, 1), ind + "  " + leave, ind + "}"]

    def effect_stmt(self, scope, ind):
        """Built-ins with effects outside the program, and the dynamic ones (JSON, objects)."""
        c = self.r.randrange(10)
        if c >= 8:
            return self.log_stmt(scope, ind)
        if c == 0:
            self.use("builtin-JSON.parse")
            return [ind + 'print(to_string(JSON.parse(%s)))' % self.pick(['"[1, 2]"', '"[\\"a\\", 1.5]"', '"null"', '"\\{\\"a\\": true\\}"'])]
        if c == 1:
            self.use("builtin-values")
            return [ind + "print(values({ a: %s, b: %s }) |> len())" % (self.expr(INT, scope, 2), self.expr(STRING, scope, 2))]
        if c == 2:
            self.use("object-spread")
            return [ind + "print({ a: %s, ...{ b: %s }, c: [%s] })" % (self.expr(INT, scope, 2), self.expr(STRING, scope, 2),
                                                                         self.expr(BOOL, scope, 2))]
        if c == 3:
            self.use("builtin-sleep")
            return [ind + "sleep(%s)" % self.pick(["1", "0", "1.ms"])]
        if c == 4:
            self.use("builtin-mail.send")
            extra = ', { from: "gen@example.com" }' if self.chance(0.5) else ""
            return [ind + 'mail.send("to@example.com", %s, %s%s)' % (self.expr(STRING, scope, 2), self.expr(STRING, scope, 2), extra)]
        if c == 5:
            # a request to a closed loopback port: compiles like any call; fails at run time
            self.use("builtin-fetch")
            e = self.fresh("ferr")
            return [ind + "try {",
                    ind + '  r = fetch("http://127.0.0.1:9/gen", { method: "POST", headers: { "X-Gen": "1" }, body: { n: 1 }, timeout: 200 })',
                    ind + "  print(r.status, r.ok)",
                    ind + "} catch %s {" % e,
                    ind + "  print(%s.message)" % e,
                    ind + "}"]
        if c == 6 and self.in_request:
            self.use("builtin-__getLocals")
            return [ind + "print(__getLocals())"]
        self.use("builtin-print")
        return [ind + "print(%s)" % ", ".join(self.expr(self.pick(SCALARS), scope, 1) for _ in range(2))]

    def spawn(self, scope):
        j = self.pick(sorted(self.jobs))
        ps = self.jobs[j]
        args = [self.expr(p, scope, 1) for p in ps]
        form = self.r.randrange(4)
        tgt = j if self.chance(0.5) else '"%s"' % j
        if form == 0:
            self.use("spawn_job")
            return "print(spawn_job(%s))" % ", ".join([tgt] + args)
        if form == 1:
            self.use("spawn_job_in")
            return "spawn_job_in(%s, %s)" % (self.pick(["5.minutes", "1.seconds", "500.ms"]), ", ".join([tgt] + args))
        if form == 2:
            self.use("spawn_job_with")
            return "spawn_job_with({ delay: 1.seconds, priority: %d }, %s)" % (self.r.randrange(10), ", ".join([tgt] + args))
        self.use("spawn_job")
        return "spawn_job(%s)" % ", ".join([tgt] + args)

    # ---- declarations -------------------------------------------------------------------------
    def decl_types(self):
        out = []
        for _ in range(self.r.randrange(1, 4)):
            n = "R" + self.fresh("ec")
            fields = []
            for i in range(self.r.randrange(1, 5)):
                ft = self.rand_type(1)
                default = None
                if ft in SCALARS and i > 0 and self.chance(0.3):
                    default = self.leaf(ft, Scope())
                fields.append(("f%d" % i, ft, default))
            self.records[n] = fields
            self.use("record-type")
            body = "\n".join("    %s: %s%s" % (f, tname(t), "" if d is None else " = " + d) for f, t, d in fields)
            if any(d is not None for _, _, d in fields):
                self.use("record-field-default")
            out.append("  type %s {\n%s\n  }" % (n, body))
        for _ in range(self.r.randrange(1, 3)):
            n = "E" + self.fresh("num")
            variants = []
            for i in range(self.r.randrange(2, 5)):
                vn = "%sV%d" % (n, i)
                ps = [self.rand_type(1) for _ in range(self.r.randrange(0, 3))] if self.chance(0.4) else []
                variants.append((vn, ps))
            self.enums[n] = variants
            self.use("enum-type")
            body = ", ".join(v + ("(" + ", ".join(tname(p) for p in ps) + ")" if ps else "") for v, ps in variants)
            out.append("  type %s { %s }" % (n, body))
        if self.chance(0.3):
            self.use("type-alias")
            out.append("  type Alias%d = Result<Option<[Int]>, String>" % self.seed)
        return out

    def decl_fn(self, indent, name=None, params=None, ret=None, kw="fn"):
        name = name or self.fresh("f")
        params = params if params is not None else [self.rand_type(1, allow_fn=True) for _ in range(self.r.randrange(0, 3))]
        ret = ret or self.rand_type(0)
        pnames = [self.fresh("q") for _ in params]
        s = Scope(self.globals)
        for n, p in zip(pnames, params):
            s.add(n, p)
        old = self.fn_unwrap_ok
        self.fn_unwrap_ok = ret[2] if ret[0] == "Res" else None
        body = self.block(s, ret, indent + "  ", self.r.randrange(0, 4), fn_ret=ret)
        self.fn_unwrap_ok = old
        self.use("fn-decl")
        hdr = "%s%s %s(%s) -> %s {" % (indent, kw, name, ", ".join("%s: %s" % (n, tname(p)) for n, p in zip(pnames, params)), tname(ret))
        self.funcs[name] = (params, ret)
        return [hdr] + body + [indent + "}"]

    def generate(self):
        self.jobs = {}
        self.events_pub = {}
        self.fn_unwrap_ok = None
        self.globals = Scope()
        out = ["shared {"]
        out += self.decl_types()
        for _ in range(self.r.randrange(1, 4)):
            out += self.decl_fn("  ")
        out.append("}")
        self.shared_funcs = dict(self.funcs)

        two = self.chance(0.5)
        port_a = 20000 + self.seed % 20000
        # events: name -> payload type, published by one server, subscribed by another (or itself)
        events = {}
        for _ in range(self.r.randrange(0, 3)):
            events["ev.%s" % self.fresh("e")] = self.pick([INT, STRING] + [Rec(r) for r in sorted(self.records)])
        a_rpc = {}
        a_lines = self.server("a", port_a, events, publish=events if not two else {}, subscribe=events,
                              discover=None, rpc_exports=a_rpc)
        out += a_lines
        if two:
            out += self.server("b", port_a + 1, events, publish=events, subscribe={}, discover=("a", port_a, a_rpc),
                               rpc_exports=None)
        header = "// constructs: " + " ".join(sorted(self.used))
        return header + "\n// gen.py --seed %d%s\n" % (self.seed, " --known-bugs" if self.known_bugs else "") + "\n".join(out) + "\n"

    def server(self, name, port, events, publish, subscribe, discover, rpc_exports):
        self.funcs = dict(self.shared_funcs)
        self.globals = Scope()
        self.models = {}
        self.local_records = []
        self.jobs = {}
        self.events_pub = {}
        self.in_request = False
        ind = "  "
        out = ['server "%s" {' % name]
        self.use("server")
        if self.chance(0.5):
            self.use("env-port")
            out.append(ind + "env PORT: Int = %d" % port)
        else:
            self.use("port")
            out.append(ind + "port %d" % port)
        for i in range(self.r.randrange(0, 3)):
            t = self.pick(SCALARS + [Opt(STRING), Opt(INT)])
            n = "SETTING_%s_%d" % (name.upper(), i)
            self.use("env")
            default = "None" if t[0] == "Opt" else self.leaf(t, Scope())
            out.append(ind + "env %s: %s = %s" % (n, tname(t), default))
            self.globals.add(n, t)
        self.has_auth = self.chance(0.3)
        if self.has_auth:
            self.use("auth")
            out.append(ind + 'auth { type: "jwt", secret: "gen-secret" }')
        if self.chance(0.5):
            self.use("health")
            out.append(ind + 'health "/health"')
        if self.chance(0.4):
            self.use("db")
            out.append(ind + 'db { path: "gen_%s.db" }' % name)
            for rn in sorted(self.records)[: self.r.randrange(1, 3)]:
                # only records whose fields a model can store
                if all(t[0] in ("Int", "Float", "String", "Bool") or t in (Opt(STRING), Opt(INT), List(STRING))
                       for _, t, _ in self.records[rn]) and not any(f == "id" for f, _, _ in self.records[rn]):
                    self.use("model-from-type")
                    out.append(ind + "model %s" % rn)
                    self.models[rn] = rn
            if self.chance(0.6):
                mn = "M" + self.fresh("odel")
                self.use("model-own-fields")
                out.append(ind + "model %s { name: String, score: Float = 0.0, note: Option<String> }" % mn)
                # a model with its own fields is a record of this server only: forgotten at its end
                self.records[mn] = [("name", STRING, None), ("score", FLOAT, "0.0"), ("note", Opt(STRING), None)]
                self.models[mn] = mn
                self.local_records.append(mn)
        if self.chance(0.5):
            self.use("server-var")
            n = self.fresh("state")
            out.append(ind + "var %s = 0" % n)
            self.globals.add(n, INT, True)
        if self.chance(0.5):
            self.use("server-binding")
            n = self.fresh("limit")
            t = self.pick(SCALARS)
            out.append(ind + "%s = %s" % (n, self.leaf(t, Scope())))
            self.globals.add(n, t)
        if discover:
            peer, pport, exports = discover
            self.use("discover")
            if self.chance(0.5):
                out.append(ind + 'discover "%s" at "http://127.0.0.1:%d" with { threshold: 3, timeout: 2000, reset_timeout: 1000 }' % (peer, pport))
            else:
                out.append(ind + 'discover "%s" {\n%s  url: "http://127.0.0.1:%d"\n%s  circuit_breaker: { failure_threshold: 3, reset_timeout: 30.seconds }\n%s}' % (peer, ind, pport, ind, ind))
            for f, (ps, rt) in sorted(exports.items()):
                self.funcs["%s.%s" % (peer, f)] = (ps, rt)
        # background jobs
        for _ in range(self.r.randrange(0, 3)):
            jn = self.fresh("job")
            ps = [self.pick(SCALARS + [List(INT)]) for _ in range(self.r.randrange(0, 3))]
            pn = [self.fresh("j") for _ in ps]
            s = Scope(self.globals)
            for n, p in zip(pn, ps):
                s.add(n, p)
            opts = ""
            if self.chance(0.5):
                self.use("job-options")
                opts = " with { attempts: %d, backoff: %s, backoff_delay: 1.seconds, timeout: 30.seconds, priority: %d }" % (
                    self.r.randrange(1, 6), self.pick(['"exponential"', '"fixed"']), self.r.randrange(-2, 5))
            self.use("background-fn")
            out.append(ind + "background fn %s(%s)%s {" % (jn, ", ".join("%s: %s" % (n, tname(p)) for n, p in zip(pn, ps)), opts))
            out += self.block(s, None, ind + "  ", self.r.randrange(1, 3), None)
            out.append(ind + "}")
            self.jobs[jn] = ps
        # plain server functions (also RPC exports)
        for _ in range(self.r.randrange(1, 4)):
            fname = self.fresh("sf")
            params = [self.pick(SCALARS + [List(INT), Opt(STRING)]) for _ in range(self.r.randrange(0, 3))]
            ret = self.pick(SCALARS + [List(STRING), Opt(INT)] + [Rec(r) for r in sorted(self.records)[:1]])
            self.in_request = True
            out += self.decl_fn(ind, name=fname, params=params, ret=ret)
            self.in_request = False
            if rpc_exports is not None:
                rpc_exports[fname] = (params, ret)
        self.events_pub = dict(publish)
        # schedules
        for _ in range(self.r.randrange(0, 3)):
            form = self.r.randrange(6)
            s = Scope(self.globals)
            body = self.block(s, None, ind + "  ", self.r.randrange(1, 3), None)
            if form == 0:
                self.use("schedule-cron-fn")
                hdr = 'schedule "%s" fn %s() {' % (self.pick(["*/5 * * * *", "0 * * * *", "*/30 * * * * *"]), self.fresh("task"))
            elif form == 1:
                self.use("schedule-cron-anon")
                hdr = 'schedule "0 3 * * *" fn() {'
            elif form == 2:
                self.use("schedule-named-cron")
                hdr = 'schedule "%s" cron("0 9 * * 1-5") {' % self.fresh("sched")
            elif form == 3:
                self.use("schedule-every")
                hdr = "schedule every %s {" % self.pick(["30.seconds", "5.minutes", "1.hours"])
            elif form == 5:
                self.use("schedule-interval-string")
                hdr = 'schedule "%s" fn %s() {' % (self.pick(["30s", "5m", "1h", "1h30m", "1d", "2w", "90s"]), self.fresh("tick"))
            else:
                self.use("schedule-options")
                hdr = 'schedule "0 9 * * 1-5" fn %s() with { tz: "Europe/Berlin", overlap: "skip", missed: "run_once" } {' % self.fresh("report")
            out += [ind + hdr] + body + [ind + "}"]
        # subscriptions
        for ev, et in sorted(subscribe.items()):
            self.use("subscribe")
            v = self.fresh("msg")
            s = Scope(self.globals)
            s.add(v, et)
            if self.chance(0.2):
                self.use("subscribe-broadcast")
                hdr = 'subscribe "%s" with { broadcast: true } fn(%s: %s) {' % (ev, v, tname(et))
            else:
                hdr = 'subscribe "%s" fn(%s: %s) {' % (ev, v, tname(et))
            out += [ind + hdr] + self.block(s, None, ind + "  ", 1, None) + [ind + "  print(%s)" % v, ind + "}"]
        # hooks
        if self.chance(0.5):
            self.use("on_start")
            out.append(ind + "on_start %s{" % self.pick(["", "fn() "]))
            out += self.block(Scope(self.globals), None, ind + "  ", 1, None)
            out.append(ind + "}")
        if self.chance(0.4):
            self.use("on_stop")
            out.append(ind + "on_stop { print(\"stop\") }")
        if self.chance(0.4):
            self.use("on_error")
            if self.chance(0.5):
                out.append(ind + "on_error fn(err, req) {\n%s  respond(500, { error: \"failed\", path: req.path, request_id: request_id() })\n%s}" % (ind, ind))
            else:
                out.append(ind + "on_error fn(err, req, res) {\n%s  res.status(500)\n%s  res.json({ error: err.message })\n%s}" % (ind, ind, ind))
        if self.chance(0.4):
            self.use("middleware-next")
            n = self.fresh("mw")
            out.append(ind + "middleware fn %s(req, next) {\n%s  response = next(req)\n%s  response\n%s}" % (n, ind, ind, ind))
        if self.chance(0.3):
            self.use("middleware-res")
            n = self.fresh("mw")
            out.append(ind + 'middleware fn %s(req, res) {\n%s  res.setHeader("X-Gen", "lux")\n%s}' % (n, ind, ind))
        # routes
        self.in_request = True
        paths = set()
        for i in range(self.r.randrange(1, 5)):
            out += self.route(ind, paths, discover)
        if discover:
            out += self.rpc_route(ind, discover)
        if self.models:
            out += self.model_route(ind)
        out += self.respond_route(ind)
        self.in_request = False
        out.append("}")
        for mn in self.local_records:
            del self.records[mn]
        self.local_records = []
        return out

    def route(self, ind, paths, discover):
        method = self.pick(["GET", "GET", "POST", "PUT", "DELETE", "PATCH"])
        path = "/r%d" % (len(paths) + 1) + self.fresh("_")
        params = []
        if self.chance(0.5):
            self.use("route-path-param")
            params.append(("id", self.pick([INT, STRING, FLOAT])))
            path += "/:id"
        paths.add(path)
        bodyish = method in ("POST", "PUT", "PATCH")
        for _ in range(self.r.randrange(0, 3)):
            t = self.pick([INT, STRING, BOOL, FLOAT, Opt(INT), Opt(STRING), List(INT)])
            params.append((self.fresh("p"), t))
            self.use("route-body-param" if bodyish else "route-query-param")
        if bodyish and self.records and self.chance(0.5):
            self.use("route-record-body")
            rn = self.pick(sorted(r for r in self.records if not r.startswith("M")) or sorted(self.records))
            params = [p for p in params if p[0] == "id"] + [("rec", Rec(rn))]
        if self.chance(0.2):
            self.use("route-req-param")
            params.append(("req", None))
        s = Scope(self.globals)
        for n, t in params:
            if t is not None:
                s.add(n, t)
        ret = self.pick([STRING, INT, List(INT), Opt(STRING), Res(STRING, STRING)] + [Rec(r) for r in sorted(self.records)[:2]])
        old = self.fn_unwrap_ok
        self.fn_unwrap_ok = ret[2] if ret[0] == "Res" else None
        body = self.block(s, ret, ind + "  ", self.r.randrange(0, 4), fn_ret=ret)
        self.fn_unwrap_ok = old
        ptext = ", ".join(n if t is None else "%s: %s" % (n, tname(t)) for n, t in params)
        guard = ""
        if self.has_auth and self.chance(0.4):
            self.use("route-with-auth")
            guard = " with auth"
        if self.chance(0.5):
            self.use("route-lambda")
            return [ind + 'route %s "%s"%s => fn(%s) -> %s {' % (method, path, guard, ptext, tname(ret))] + body + [ind + "}"]
        self.use("route-named-fn")
        fname = self.fresh("handler")
        return ([ind + "fn %s(%s) -> %s {" % (fname, ptext, tname(ret))] + body + [ind + "}",
                ind + 'route %s "%s"%s => %s' % (method, path, guard, fname)])

    def rpc_route(self, ind, discover):
        peer, _, exports = discover
        out = []
        s = Scope(self.globals)
        calls = []
        for f, (ps, rt) in sorted(exports.items()):
            self.use("rpc-call")
            calls.append("%s.%s(%s)" % (peer, f, ", ".join(self.expr(p, s, 1) for p in ps)))
        if not calls:
            return []
        out.append(ind + 'route GET "/rpc" => fn() {')
        out.append(ind + "  { %s }" % ", ".join("r%d: %s" % (i, c) for i, c in enumerate(calls)))
        out.append(ind + "}")
        return out

    def model_route(self, ind):
        m = self.pick(sorted(self.models))
        fields = self.records[m]
        s = Scope(self.globals)
        obj = "{ %s }" % ", ".join("%s: %s" % (f, self.expr(t, s, 2)) for f, t, d in fields if d is None or self.chance(0.5))
        acc = m if self.chance(0.5) else m + "Model"
        self.use("model-methods")
        lines = [
            ind + 'route POST "/m/%s" => fn() {' % m.lower(),
            ind + "  made = %s.create(%s)" % (acc, obj),
            ind + "  found = %s.find(made.id)" % m,
            ind + "  all = %s.all()" % m,
            ind + "  n = %s.count()" % m,
        ]
        f0, t0, _ = fields[0]
        if t0 in (INT, FLOAT, STRING, BOOL):
            self.use("model-where")
            lines.append(ind + "  some = %s.where({ %s: %s }, { limit: 5 })" % (m, f0, self.leaf(t0, s)))
            lines.append(ind + "  gone = some |> delete_all()")
        else:
            lines.append(ind + "  gone = 0")
        lines += [
            ind + "  %s.update(made.id, { %s: %s })" % (m, f0, self.leaf(t0, s)),
            ind + "  %s.delete(made.id)" % m,
        ]
        if self.chance(0.5):
            self.use("db-module")
            lines += [ind + '  rows = db.query("SELECT 1 AS one WHERE ? > 0", 1)',
                      ind + '  changed = db.run("SELECT ?", 1)',
                      ind + "  total = db.transaction(fn() { %s.count() })" % m,
                      ind + "  { made: made, found: found, all: all, n: n, gone: gone, rows: rows, changed: changed, total: total }"]
        else:
            lines.append(ind + "  { made: made, found: found, all: all, n: n, gone: gone }")
        lines.append(ind + "}")
        return lines

    def respond_route(self, ind):
        self.use("respond")
        s = Scope(self.globals)
        lines = [ind + 'route GET "/resp" => fn(req) {']
        if self.chance(0.5):
            self.use("cache_control")
            mutable = not self.known_bugs or self.chance(0.5)
            if not mutable:
                self.use("known-bug-cache-control-immutable")
            lines.append(ind + "  %sr = respond(200, { ok: true, v: %s })" % ("var " if mutable else "", self.expr(STRING, s, 2)))
            lines.append(ind + '  cache_control(r, 60%s)' % self.pick(["", ", { private: true }", ", { public: true, no_cache: false }"]))
            if self.chance(0.5):
                self.use("etag")
                lines.append(ind + '  etag(r, "v1")')
            lines.append(ind + "  r")
        else:
            lines.append(ind + '  respond(%s, { ok: true, v: %s }, { "X-Gen": "1" })' % (self.pick(["200", "201", "202"]), self.expr(STRING, s, 2)))
        lines.append(ind + "}")
        return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--known-bugs", action="store_true",
                    help="also generate the forms being fixed elsewhere (docs/testing.md)")
    ap.add_argument("--depth", type=int, default=3)
    ap.add_argument("--no-finally-spread", action="store_true",
                    help="leave out `finally` and list spreads `[x, ...xs]`")
    a = ap.parse_args()
    sys.stdout.write(Gen(a.seed, a.known_bugs, a.depth, not a.no_finally_spread).generate())


if __name__ == "__main__":
    main()
