"""text/latex: a readable Unicode rendering of simple math, or the source if not simple."""

from __future__ import annotations

import re

from rich.text import Text

from .common import words
from .sanitize import strip_controls


def _names(spec: str) -> list[str]:
    """Split a space-separated list of names, keeping their order."""
    return spec.split()


GREEK = dict(zip(
    _names(
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi "
        "rho sigma tau upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon "
        "Phi Psi Omega varepsilon vartheta varphi varpi varrho varsigma"
    ),
    "αβγδεζηθικλμνξοπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩεϑφϖϱς", strict=True,
))  # fmt: skip
SYMBOLS: dict[str, str] = {
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "ast": "∗", "star": "⋆",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "ll": "≪", "gg": "≫",
    "approx": "≈", "equiv": "≡", "sim": "∼", "simeq": "≃", "cong": "≅", "propto": "∝",
    "infty": "∞", "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫",
    "iint": "∬", "oint": "∮", "to": "→", "rightarrow": "→", "leftarrow": "←", "gets": "←",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔", "Leftrightarrow": "⇔",
    "implies": "⟹", "iff": "⟺", "mapsto": "↦", "uparrow": "↑", "downarrow": "↓",
    "in": "∈", "notin": "∉", "ni": "∋", "subset": "⊂", "subseteq": "⊆", "supset": "⊃",
    "supseteq": "⊇", "cup": "∪", "cap": "∩", "setminus": "∖", "emptyset": "∅",
    "varnothing": "∅", "forall": "∀", "exists": "∃", "neg": "¬", "lnot": "¬", "land": "∧",
    "wedge": "∧", "lor": "∨", "vee": "∨", "ldots": "…", "dots": "…", "cdots": "⋯",
    "vdots": "⋮", "ddots": "⋱", "circ": "∘", "bullet": "•", "oplus": "⊕", "otimes": "⊗",
    "perp": "⊥", "parallel": "∥", "angle": "∠", "degree": "°", "prime": "′", "hbar": "ℏ",
    "ell": "ℓ", "Re": "ℜ", "Im": "ℑ", "aleph": "ℵ", "langle": "⟨", "rangle": "⟩",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "vert": "|", "lvert": "|",
    "rvert": "|", "mid": "|", "Vert": "‖", "lVert": "‖", "rVert": "‖", "|": "‖",
    "backslash": "\\", "colon": ":", "quad": "  ", "qquad": "    ", ",": " ", ";": " ",
    ":": " ", ">": " ", " ": " ", "!": "", "{": "{", "}": "}", "%": "%", "$": "$", "&": "&",
    "#": "#", "_": "_", "\\": "\n", "lbrace": "{", "rbrace": "}", "dagger": "†",
}  # fmt: skip
FUNCTIONS = words(
    "sin cos tan cot sec csc arcsin arccos arctan sinh cosh tanh coth log ln lg exp lim "
    "liminf limsup max min sup inf det dim ker arg deg gcd lcm Pr mod bmod pmod"
)
# Commands that only change font or size: their argument is shown as is.
STYLES = words(
    "mathrm text textrm textit textbf textsf texttt mathbf mathit mathsf mathtt mathcal "
    "mathfrak mathscr boldsymbol bm operatorname mbox hbox emph textnormal"
)
IGNORED = words(
    "displaystyle textstyle scriptstyle scriptscriptstyle limits nolimits nonumber notag left "
    "right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr"
)
_FONT_SIZES = words("displaystyle textstyle scriptstyle scriptscriptstyle")
ACCENTS = {
    "hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305",
    "vec": "\u20d7", "dot": "\u0307", "ddot": "\u0308", "tilde": "\u0303", "widetilde": "\u0303",
}  # fmt: skip
ALIGN_ENVS = words(
    "aligned align align* equation equation* gather gather* gathered split eqnarray eqnarray* "
    "multline multline* displaymath math"
)
DOUBLE_STRUCK = dict(zip("NZQRCPHE1", "ℕℤℚℝℂℙℍ𝔼𝟙", strict=True))
SUP = dict(zip(
    "0123456789+-−=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWαβγδεθιφχ′″*∗∘ ",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵅᵝᵞᵟᵋᶿᶥᵠᵡ′″**° ",
    strict=True,
))  # fmt: skip
SUB = dict(zip(
    "0123456789+-−=()aehijklmnoprstuvxβγρφχ ",
    "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ ",
    strict=True,
))  # fmt: skip

_TOKEN = re.compile(r"\\[a-zA-Z]+|\\.|[{}^_&\[\]]|\s+|.", re.DOTALL)
_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\[(.+?)\\\]|\\\((.+?)\\\)", re.DOTALL)
_APPLIED = re.compile(r"[\w.′√∛∜]*\([^()]*\)")
MAX_SOURCE = 20_000


class _Unsupported(Exception):
    """The input uses something this converter does not know; show the source instead."""


def _script(s: str, table: dict[str, str], mark: str) -> str:
    """Superscript/subscript a string if every character has a Unicode form."""
    s = s.strip()
    if s and all(ch in table for ch in s):
        return "".join(table[ch] for ch in s)
    return f"{mark}{s}" if len(s) == 1 else f"{mark}({s})"


def _atomic(s: str) -> bool:
    """True if s reads as one unit next to '/', so needs no parentheses."""
    if all(ch.isalnum() or ch in ".′" for ch in s):
        return True
    # f(x), √(2 π), (a+b): a name or root sign applied to one parenthesised group.
    return _APPLIED.fullmatch(s) is not None


class _Parser:
    def __init__(self, source: str) -> None:
        self.toks: list[str] = _TOKEN.findall(source)
        self.i = 0

    def peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise _Unsupported("unexpected end")
        self.i += 1
        return tok

    def skip_ws(self) -> None:
        while (tok := self.peek()) is not None and tok.isspace():
            self.i += 1

    def seq(self, closing: bool) -> str:
        out: list[str] = []
        while True:
            tok = self.peek()
            if tok is None:
                if closing:
                    raise _Unsupported("unbalanced {")
                break
            if tok == "}":
                if not closing:
                    raise _Unsupported("unbalanced }")
                self.i += 1
                break
            if tok in ("^", "_"):
                self.i += 1
                arg = self.arg()
                out.append(_script(arg, SUP, "^") if tok == "^" else _script(arg, SUB, "_"))
                continue
            out.append(self.atom())
        return "".join(out)

    def arg(self) -> str:
        self.skip_ws()
        tok = self.peek()
        if tok is None or tok in ("}", "^", "_", "&"):
            raise _Unsupported("missing argument")
        return self.atom()

    def optional(self) -> str | None:
        self.skip_ws()
        if self.peek() != "[":
            return None
        self.i += 1
        depth, start = 0, self.i
        while (tok := self.take()) != "]" or depth:
            depth += {"{": 1, "}": -1}.get(tok, 0)
        return _Parser("".join(self.toks[start : self.i - 1])).seq(False)

    def atom(self) -> str:
        tok = self.take()
        if tok == "{":
            return self.seq(True)
        if tok.isspace() or tok in ("&", "~"):
            return " "
        if tok.startswith("\\"):
            return self.command(tok[1:])
        return tok

    def command(self, name: str) -> str:
        if name in GREEK:
            return GREEK[name]
        if name in SYMBOLS:
            return SYMBOLS[name]
        if name in FUNCTIONS:
            return name
        if name in STYLES:
            return self.arg()
        if name in IGNORED:
            # \left( and friends: the delimiter that follows is kept, "." means none.
            self.skip_ws()
            if self.peek() == "." and name not in _FONT_SIZES:
                self.i += 1
            return ""
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            num, den = self.arg().strip(), self.arg().strip()
            num = num if _atomic(num) else f"({num})"
            den = den if _atomic(den) else f"({den})"
            return f"{num}/{den}"
        if name == "sqrt":
            index = self.optional()
            body = self.arg().strip()
            sign = {None: "√", "2": "√", "3": "∛", "4": "∜"}.get(index)
            if sign is None:
                sign = _script(index or "", SUP, "^") + "√"
            return sign + (body if _atomic(body) else f"({body})")
        if name in ("mathbb", "Bbb"):
            return "".join(DOUBLE_STRUCK.get(ch, ch) for ch in self.arg())
        if name in ACCENTS:
            body = self.arg().strip()
            return body + ACCENTS[name] if len(body) == 1 else body
        if name == "binom":
            n, k = self.arg().strip(), self.arg().strip()
            return f"C({n}, {k})"
        if name in ("begin", "end"):
            env = self.arg().strip()
            if env not in ALIGN_ENVS:
                raise _Unsupported(f"environment {env}")
            return ""
        raise _Unsupported(f"\\{name}")


def _math(source: str) -> str:
    """Convert one math-mode fragment (raises _Unsupported)."""
    try:
        text = _Parser(source).seq(False)
    except RecursionError:
        raise _Unsupported("too deeply nested") from None
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def latex_to_unicode(source: str) -> str | None:
    """Convert simple LaTeX math to readable Unicode; None when it is not simple."""
    if len(source) > MAX_SOURCE:
        return None
    try:
        if not _MATH.search(source):
            return _math(source.strip())
        # Text with embedded $…$ math: keep the prose, convert each formula.
        out: list[str] = []
        pos = 0
        for m in _MATH.finditer(source):
            out.append(source[pos : m.start()])
            out.append(_math(next(g for g in m.groups() if g is not None)))
            pos = m.end()
        out.append(source[pos:])
        return "".join(out).strip()
    except _Unsupported:
        return None


def render_latex(source: str) -> Text:
    """Render text/latex as converted Unicode, or the raw source when too complex."""
    source = strip_controls(source)
    converted = latex_to_unicode(source)
    if converted is None or not converted.strip():
        return Text(source.strip())
    return Text(converted)
