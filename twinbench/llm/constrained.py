"""Constrained decoding over a closed set of sentences: the model can only write what the
grammar allows.

Each answer line is one of a few sentence frames written by code
(:mod:`twinbench.llm.content_plan`): words, punctuation and fact ids (``[F3]``), never a
free digit or a name. :func:`decode_choices` enforces that language as a trie over the token
sequences of the frames: at each branch only the children of the trie node can follow and
the model's most likely allowed token is taken (greedy, deterministic); a run of tokens with
no choice is evaluated in one batch, only up to a line's last branch, and the prompt's
tokens are reused from the model's cache when an earlier call evaluated them. This is the
language of the llama.cpp GBNF grammar :func:`gbnf` (one alternation of string literals
per line), enforced in code because llama.cpp's grammar sampler tests all ~49k tokens of
the vocabulary at every step.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass, field

import numpy as np

__all__ = ["decode_choices", "gbnf"]


@dataclass
class _Node:
    children: dict[int, _Node] = field(default_factory=dict)
    choice: int | None = None       # the frame completed at this node


def _trie(llama, frames: list[str]) -> _Node:
    root = _Node()
    for k, text in enumerate(frames):
        node = root
        for t in llama.tokenize(text.encode("utf-8"), add_bos=False, special=False):
            node = node.children.setdefault(t, _Node())
        if node.choice is None:
            node.choice = k
    return root


def _prompt_tokens(engine, messages: list[dict[str, str]]) -> list[int]:
    from llama_cpp.llama_chat_format import Jinja2ChatFormatter

    llama = engine.llama
    template = llama.metadata.get("tokenizer.chat_template")
    if not template:
        raise ValueError(f"model {engine.name!r} has no chat template in its GGUF metadata; "
                         "use a chat (instruct) model")
    eos = llama.detokenize([llama.token_eos()]).decode("utf-8", "replace")
    bos = llama.detokenize([llama.token_bos()]).decode("utf-8", "replace")
    prompt = Jinja2ChatFormatter(template, eos, bos)(messages=messages).prompt
    return llama.tokenize(prompt.encode("utf-8"), add_bos=False, special=True)


def _logits(llama, n_vocab: int) -> np.ndarray:
    ptr = llama._ctx.get_logits()
    return np.ctypeslib.as_array(ctypes.cast(ptr, ctypes.POINTER(ctypes.c_float)),
                                 shape=(n_vocab,))


def decode_choices(engine, messages: list[dict[str, str]], lines: list[list[str]]
                   ) -> list[int]:
    """The frame the model writes for each line (its index in that line's list).

    Parameters
    ----------
    engine
        A loaded :class:`~twinbench.llm.engine.Engine`.
    messages
        The chat prompt.
    lines
        For each answer line, the sentences it may be (at least one each).

    Raises
    ------
    ValueError
        When a line has no frame, or the prompt and answer exceed the context window.
    """
    from twinbench.llm.engine import _LOCK

    if any(not frames for frames in lines):
        raise ValueError("every answer line needs at least one frame; found an empty list")
    llama = engine.llama
    n_vocab = llama.n_vocab()
    prompt = _prompt_tokens(engine, messages)
    need = len(prompt) + sum(max(engine.count_tokens(f) for f in fr) + 4 for fr in lines)
    if need > engine.config.n_ctx:
        raise ValueError(f"prompt ({len(prompt)} tokens) and {len(lines)} answer lines "
                         f"(~{need - len(prompt)} tokens) exceed the context window of "
                         f"{engine.config.n_ctx} tokens; state fewer items or raise "
                         "LLMConfig.n_ctx")
    out: list[int] = []
    with _LOCK:
        # the KV cache keeps what was evaluated last: reuse the common prefix of the prompt
        n = llama.n_tokens
        common = 0
        while common < min(n, len(prompt)) and int(llama.input_ids[common]) == prompt[common]:
            common += 1
        llama.n_tokens = common
        llama.eval(prompt[common:])
        start = llama.n_tokens
        for k, frames in enumerate(lines, start=1):
            # each line is chosen after the prompt alone: only the tokens up to its last
            # branch are evaluated, and the next line starts again from the prompt
            llama.n_tokens = start
            pending = llama.tokenize(f"{k}. ".encode(), add_bos=False, special=False)
            node = _trie(llama, frames)
            while node.children and node.choice is None:
                if len(node.children) == 1:
                    tok = next(iter(node.children))
                else:
                    llama.eval(pending)
                    pending = []
                    logits = _logits(llama, n_vocab)
                    tok = max(node.children, key=lambda t: float(logits[t]))
                    pending = [tok]
                    node = node.children[tok]
                    continue
                pending.append(tok)
                node = node.children[tok]
            out.append(node.choice if node.choice is not None else 0)
        llama.n_tokens = start
    return out


def gbnf(lines: list[list[str]]) -> str:
    """The llama.cpp GBNF grammar of an answer: numbered lines, each one of its frames.

    >>> print(gbnf([["A [F1]."], ["B [F2].", "C [F2]."]]), end="")
    root ::= "1. " l1 "\\n2. " l2
    l1 ::= "A [F1]."
    l2 ::= "B [F2]." | "C [F2]."
    """
    def lit(s: str) -> str:
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    nl = "\n"
    root = " ".join(lit((nl if k else "") + f"{k + 1}. ") + f" l{k + 1}"
                    for k in range(len(lines)))
    rules = [f"root ::= {root}"]
    for k, frames in enumerate(lines, start=1):
        rules.append(f"l{k} ::= " + " | ".join(lit(f) for f in frames))
    return "\n".join(rules) + "\n"
