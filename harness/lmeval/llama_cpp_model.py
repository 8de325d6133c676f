"""lm-eval model `llama-cpp`: a GGUF file evaluated in process through llama-cpp-python.

lm-eval's built-in `gguf` model is an HTTP client for a llama.cpp server and ignores `max_gen_toks`;
this backend loads the file itself, so quantized models are scored exactly as they will be served:

- `generate_until`: greedy unless the task asks for sampling (`do_sample`/`temperature`), stops on
  the task's `until` strings and the model's EOS, at most `max_gen_toks` new tokens.
- `loglikelihood` / `loglikelihood_rolling`: logits of every position (a second context created on
  first use with `logits_all=True`, so generation-only runs never pay n_ctx x n_vocab floats), summed
  in float64; contexts that share a prefix reuse the KV cache (multiple-choice tasks).
- `--apply_chat_template`: renders the `tokenizer.chat_template` stored in the GGUF with the same
  sandboxed Jinja environment llama-cpp-python uses for chat completions.

Usage: `lm_eval --model llama-cpp --model_args pretrained=model.gguf,n_ctx=2048 --tasks asm65816`.
model_args: pretrained (path), n_ctx, n_threads, n_batch, n_gpu_layers, max_gen_toks, seed,
add_bos (default: the model's own setting), chat_template (a template string overriding the file's),
verbose. lm-eval's batch_size/max_batch_size/device are accepted and ignored (one sequence at a time).
"""

from __future__ import annotations

import atexit
import logging
import weakref
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lm_eval.models  # noqa: F401  (import before register_model, or the built-in models vanish)
import numpy as np
from lm_eval.api.model import TemplateLM
from lm_eval.api.registry import register_model
from lm_eval.models.utils import handle_stop_sequences
from lm_eval.utils import get_rolling_token_windows, make_disjoint_window
from tqdm import tqdm

from harness.core.cpus import physical_cores
from harness.errors import HarnessError, ToolMissingError

__all__ = ["LlamaCppLM"]

log = logging.getLogger(__name__)

_SAMPLING_KEYS = ("top_k", "top_p", "min_p", "repeat_penalty")
_IGNORED_ARGS = ("batch_size", "max_batch_size", "device")


@register_model("llama-cpp")
class LlamaCppLM(TemplateLM):
    """A GGUF model run in process by llama-cpp-python (see the module docstring for model_args)."""

    def __init__(
        self,
        pretrained: str,
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
        n_batch: int = 512,
        n_gpu_layers: int = 0,
        max_gen_toks: int = 256,
        seed: int = 0,
        add_bos: bool | None = None,
        chat_template: str | None = None,
        verbose: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        unknown = sorted(set(kwargs) - set(_IGNORED_ARGS))
        if unknown:
            raise HarnessError(f"llama-cpp: unknown model_args {unknown}; see harness.lmeval.llama_cpp_model")
        self.path = Path(pretrained)
        if not self.path.is_file():
            raise ToolMissingError(f"llama-cpp: GGUF file not found: {self.path}")
        threads = int(n_threads) if n_threads else physical_cores()
        self._llama_kwargs: dict[str, Any] = {
            "model_path": str(self.path),
            "n_ctx": int(n_ctx),
            "n_batch": int(n_batch),
            # default: one thread per physical core (not per hyper-thread): ggml spins its workers, so
            # oversubscribing a CPU is an order of magnitude slower
            "n_threads": threads,
            "n_threads_batch": threads,
            "n_gpu_layers": int(n_gpu_layers),
            "seed": int(seed),
            "verbose": bool(verbose),
        }
        self.max_gen_toks = int(max_gen_toks)
        self.seed = int(seed)
        self._draws = 0
        self.llm = self._load(logits_all=False)
        self._scorer: Any = None  # the logits_all=True context, created on first loglikelihood
        # llama.cpp may round the context up (to 256); the Python-side buffers keep the requested size
        self.n_ctx = min(int(n_ctx), int(self.llm.n_ctx()))
        self._add_bos = self._model_adds_bos() if add_bos is None else bool(add_bos)
        self._template_override = chat_template
        # llama-cpp-python's Llama.__del__ fails noisily at interpreter exit (its module globals are
        # gone by then); close our contexts first without keeping this object alive.
        atexit.register(_close_ref, weakref.ref(self))

    def close(self) -> None:
        """Free the llama.cpp contexts now (they are freed on garbage collection anyway)."""
        for llm in (self.llm, self._scorer):
            if llm is not None:
                llm.close()
        self._scorer = None

    # --- loading and tokens ---------------------------------------------------------------------

    def _load(self, *, logits_all: bool) -> Any:
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise ToolMissingError("llama-cpp: llama-cpp-python is not installed ([gguf] extra)") from error
        try:
            return Llama(logits_all=logits_all, **self._llama_kwargs)
        except ValueError as error:  # llama-cpp-python reports load failures as ValueError
            raise HarnessError(f"llama-cpp: cannot load {self.path}: {error}") from error

    def _model_adds_bos(self) -> bool:
        """True when llama.cpp prepends BOS for this vocab (tokenize with and without specials)."""
        with_special = self.llm.tokenize(b"a", add_bos=True, special=True)
        without = self.llm.tokenize(b"a", add_bos=False, special=True)
        return len(with_special) > len(without) and with_special[0] == self.llm.token_bos()

    def _token_text(self, token_id: int) -> str:
        if token_id < 0:
            return ""
        return self.llm.detokenize([token_id], special=True).decode("utf-8", errors="replace")

    @property
    def eot_token_id(self) -> int:
        return int(self.llm.token_eos())

    @property
    def prefix_token_id(self) -> int:
        bos = int(self.llm.token_bos())
        return bos if self._add_bos and bos >= 0 else self.eot_token_id

    @property
    def max_length(self) -> int:
        return int(self.n_ctx)

    def tok_encode(self, string: str, add_special_tokens: bool | None = None, **kwargs: Any) -> list[int]:
        """Token ids of `string`; BOS per the model's setting unless told, never twice."""
        add_bos = self._add_bos if add_special_tokens is None else bool(add_special_tokens) and self._add_bos
        bos_text = self._token_text(int(self.llm.token_bos()))
        if add_bos and bos_text and string.startswith(bos_text):
            add_bos = False  # a chat template already wrote it
        return list(self.llm.tokenize(string.encode("utf-8"), add_bos=add_bos, special=True))

    def tok_decode(self, tokens: Sequence[int]) -> str:
        return self.llm.detokenize(list(tokens)).decode("utf-8", errors="replace")

    # --- generation -----------------------------------------------------------------------------

    def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
        """Continue each context until a stop string, EOS, or max_gen_toks new tokens."""
        outputs: list[str] = []
        eos_text = self._token_text(self.eot_token_id) or None
        for request in tqdm(requests, desc="llama-cpp generate_until", disable=disable_tqdm):
            context, gen_kwargs = request.args
            settings = dict(gen_kwargs or {})
            until = handle_stop_sequences(settings.pop("until", None), eos=eos_text)
            max_gen_toks = int(settings.pop("max_gen_toks", self.max_gen_toks))
            text = self._generate(context, until, max_gen_toks, settings)
            outputs.append(text)
            self.cache_hook.add_partial("generate_until", (context, gen_kwargs), text)
        return outputs

    def _generate(self, context: str, until: list[str], max_gen_toks: int, settings: dict[str, Any]) -> str:
        temperature = float(settings.pop("temperature", 0.0) or 0.0)
        if "do_sample" in settings:  # HF semantics: do_sample=False is greedy whatever the temperature
            do_sample = bool(settings.pop("do_sample"))
            temperature = (temperature or 1.0) if do_sample else 0.0
        sampling = {key: settings.pop(key) for key in _SAMPLING_KEYS if key in settings}
        if settings:
            log.warning("llama-cpp: ignoring generation kwargs %s", sorted(settings))
        tokens = self.tok_encode(context)
        budget = self.n_ctx - max_gen_toks
        if budget < 1:
            raise HarnessError(f"llama-cpp: max_gen_toks={max_gen_toks} leaves no room in n_ctx={self.n_ctx}")
        if len(tokens) > budget:
            log.warning("llama-cpp: context of %d tokens truncated to the last %d", len(tokens), budget)
            tokens = tokens[-budget:]
        return self._decode_until(tokens, until, max_gen_toks, temperature, sampling)

    def _decode_until(
        self,
        tokens: list[int],
        until: list[str],
        max_gen_toks: int,
        temperature: float,
        sampling: dict[str, Any],
    ) -> str:
        """Token-by-token decode loop: exactly max_gen_toks tokens at most, cut at the first stop string.

        llama-cpp-python's create_completion keeps generating past max_tokens while the text ends in
        an incomplete UTF-8 sequence and drops invalid bytes; lm-eval's contract (like HF's) is a hard
        token budget and the decoded text, so the loop is ours.
        """
        kwargs: dict[str, Any] = {"temp": temperature, "repeat_penalty": 1.0}
        if temperature > 0.0:
            kwargs.update({"top_k": 0, "top_p": 1.0, "min_p": 0.0})
            kwargs.update(sampling)
            # one seed per draw: reproducible runs, yet repeated requests (pass@k) get different samples
            # (llama-cpp-python treats seed 0 as "random", so the seed is always set explicitly)
            self.llm.set_seed((self.seed + self._draws) % 0xFFFFFFFF)
            self._draws += 1
        is_end = self._end_of_generation()
        pieces = bytearray()
        produced = 0
        for token in self.llm.generate(tokens, **kwargs):
            if is_end(token):
                break
            pieces += self.llm.detokenize([token])
            produced += 1
            text = pieces.decode("utf-8", errors="replace")
            cut = min((text.find(stop) for stop in until if stop and stop in text), default=-1)
            if cut >= 0:
                return text[:cut]
            if produced >= max_gen_toks:
                break
        return pieces.decode("utf-8", errors="replace")

    def _end_of_generation(self) -> Any:
        """llama.cpp's end-of-generation test (EOS, EOT, <|im_end|>-style tokens the vocab marks)."""
        import llama_cpp

        vocab = getattr(getattr(self.llm, "_model", None), "vocab", None)
        if vocab is not None and hasattr(llama_cpp, "llama_vocab_is_eog"):
            return lambda token: bool(llama_cpp.llama_vocab_is_eog(vocab, token))
        eos = self.eot_token_id  # older llama-cpp-python: EOS only
        return lambda token: token == eos

    # --- likelihoods ----------------------------------------------------------------------------

    def _scoring_model(self) -> Any:
        if self._scorer is None:
            self._scorer = self._load(logits_all=True)
        return self._scorer

    def _score(self, context: list[int], continuation: list[int]) -> tuple[float, bool]:
        """Sum of log p(continuation | context) and whether greedy decoding would produce it.

        Positions: the logits at input position i predict token i+1, so with `tokens = context +
        continuation` and `inputs = tokens[:-1]`, the continuation's logits are the last
        len(continuation) rows.
        """
        if not continuation:
            raise HarnessError("llama-cpp: empty continuation cannot be scored")
        if len(continuation) > self.n_ctx:
            raise HarnessError(
                f"llama-cpp: continuation of {len(continuation)} tokens exceeds n_ctx={self.n_ctx}"
            )
        tokens = (context + continuation)[-(self.n_ctx + 1) :]
        inputs = tokens[:-1]
        llm = self._scoring_model()
        cached = llm.input_ids[: llm.n_tokens].tolist()
        shared = 0
        for old, new in zip(cached, inputs, strict=False):
            if old != new:
                break
            shared += 1
        llm.n_tokens = min(shared, len(inputs) - 1)  # keep the shared KV prefix; eval drops the rest
        llm.eval(inputs[llm.n_tokens :])
        logits = np.asarray(llm.scores[len(inputs) - len(continuation) : len(inputs)], dtype=np.float64)
        shifted = logits - logits.max(axis=1, keepdims=True)
        logprobs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        targets = np.asarray(continuation, dtype=np.int64)
        total = float(logprobs[np.arange(len(targets)), targets].sum())
        greedy = bool((logits.argmax(axis=1) == targets).all())
        return total, greedy

    def _loglikelihood_tokens(
        self,
        requests: list[tuple[tuple[str, str], list[int], list[int]]],
        disable_tqdm: bool = False,
        **_: Any,
    ) -> list[tuple[float, bool]]:
        results: list[tuple[float, bool]] = []
        for cache_key, context, continuation in tqdm(
            requests, desc="llama-cpp loglikelihood", disable=disable_tqdm
        ):
            answer = self._score(list(context), list(continuation))
            results.append(answer)
            if cache_key is not None:
                self.cache_hook.add_partial("loglikelihood", cache_key, answer)
        return results

    def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[float]:
        """Perplexity-style score of whole strings in disjoint windows of at most n_ctx tokens."""
        results: list[float] = []
        for request in tqdm(requests, desc="llama-cpp loglikelihood_rolling", disable=disable_tqdm):
            (string,) = request.args
            tokens = self.tok_encode(string, add_special_tokens=False)
            windows = map(
                make_disjoint_window,
                get_rolling_token_windows(tokens, self.prefix_token_id, self.n_ctx, context_len=1),
            )
            total = sum(self._score(list(ctx), list(cont))[0] for ctx, cont in windows)
            results.append(total)
            self.cache_hook.add_partial("loglikelihood_rolling", (string,), total)
        return results

    # --- chat templates -------------------------------------------------------------------------

    @property
    def tokenizer_name(self) -> str:
        name = self.llm.metadata.get("general.name") or self.path.stem
        return str(name).replace("/", "__")

    def chat_template(self, chat_template: bool | str = False) -> str | None:
        """The GGUF's `tokenizer.chat_template` (or the model_args override); error if there is none."""
        if chat_template is False or chat_template is None:
            return None
        template = self._template_override or self.llm.metadata.get("tokenizer.chat_template")
        if not template:
            raise HarnessError(
                f"llama-cpp: {self.path.name} has no tokenizer.chat_template; export it with one or pass "
                "model_args chat_template=..."
            )
        return str(template)

    def apply_chat_template(
        self, chat_history: list[dict[str, str]], add_generation_prompt: bool = True
    ) -> str:
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self.chat_template(True)
        assert template is not None  # chat_template(True) raises instead of returning None
        formatter = Jinja2ChatFormatter(
            template=template,
            eos_token=self._token_text(self.eot_token_id),
            bos_token=self._token_text(int(self.llm.token_bos())),
            add_generation_prompt=add_generation_prompt,
        )
        return formatter(messages=chat_history).prompt


def _close_ref(ref: weakref.ref[LlamaCppLM]) -> None:
    model = ref()
    if model is not None:
        model.close()
