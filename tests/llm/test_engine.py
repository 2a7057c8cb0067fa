"""The llama.cpp engine: default model without network, settings, one load per process."""

from __future__ import annotations

from pathlib import Path

import pytest

from twinbench.llm.engine import (
    DEFAULT_MODEL_FILE,
    ENV_VAR,
    LLMConfig,
    LLMUnavailable,
    default_model_path,
    get_engine,
)


def test_default_model_is_the_packaged_gguf_file():
    path = default_model_path()
    assert path.name == DEFAULT_MODEL_FILE
    assert path.read_bytes()[:4] == b"GGUF"


def test_model_setting_by_environment_and_config(monkeypatch, tmp_path):
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "missing.gguf"))
    with pytest.raises(LLMUnavailable, match=r"missing.gguf.*\$TWINBENCH_LLM_MODEL"):
        LLMConfig().resolved_path()
    # the config wins over the environment
    assert LLMConfig(model_path=str(default_model_path())).resolved_path() == \
        default_model_path()
    bad = tmp_path / "not-a-model.gguf"
    bad.write_text("hello")
    with pytest.raises(LLMUnavailable, match="could not load"):
        get_engine(LLMConfig(model_path=str(bad)))
    monkeypatch.setenv(ENV_VAR, str(default_model_path()))
    assert LLMConfig().resolved_path() == default_model_path()


def test_engine_is_loaded_once_and_deterministic():
    eng = get_engine()
    assert get_engine() is eng
    assert eng.name == Path(DEFAULT_MODEL_FILE).stem
    msgs = [{"role": "user", "content": "Name one colour."}]
    a = eng.chat(msgs, max_tokens=12)
    assert a and a == eng.chat(msgs, max_tokens=12)


def test_extra_buffer_types_are_off_by_default_and_the_loader_is_restored():
    """llama-cpp-python 0.3.36 built natively with AMX segfaults in decode with them on."""
    import llama_cpp.llama as ll

    eng = get_engine()
    if hasattr(eng.llama.model_params, "use_extra_bufts"):
        assert eng.llama.model_params.use_extra_bufts is False
    # the loader's stand-in is gone once the model is loaded
    assert ll.llama_cpp.llama_model_default_params.__name__ == "llama_model_default_params"
    assert eng.chat([{"role": "user", "content": "Say yes."}], max_tokens=4)


def test_context_window_is_respected():
    eng = get_engine()
    data = "\n".join(f"line {i}: the oil temperature was checked" for i in range(2000))
    assert eng.count_tokens(data) > eng.config.n_ctx
    short, trimmed = eng.fit("system", "task", data, max_tokens=100)
    assert trimmed and short.endswith("trimmed to fit the context ...]")
    assert eng.count_tokens(short) < eng.config.n_ctx - 100
    assert short.splitlines()[0] == "line 0: the oil temperature was checked"
    with pytest.raises(ValueError, match="exceed the context window"):
        eng.chat([{"role": "user", "content": data}], max_tokens=10)


def test_json_schema_constrains_the_answer():
    import json

    eng = get_engine()
    schema = {"type": "object", "properties": {"kind": {"type": "string",
                                                        "enum": ["left", "right"]}},
              "required": ["kind"]}
    out = json.loads(eng.chat([{"role": "user", "content": "Pick a side."}], max_tokens=16,
                              schema=schema))
    assert out["kind"] in ("left", "right")
