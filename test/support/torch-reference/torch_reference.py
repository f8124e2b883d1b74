"""An independent PyTorch reference for Inflow's native LoRA trainer.

Reads the same GGUF weights with gguf-py (the copy in node-llama-cpp's llama.cpp bundle, passed as --gguf-py),
builds the llama / qwen2 / qwen3 forward as llama.cpp defines it (RMS norm, NORM or NEOX rope with optional
rope_freqs factors, GQA, q/k/v biases, qwen3's per-head q/k norms, SwiGLU, tied embeddings) with LoRA
y = W x + (alpha / rank) * B (A x) on the chosen targets, and computes per-token log-probabilities, the SFT and
Flow-GRPO losses and their LoRA gradients with torch.autograd. Nothing is shared with the C++ trainer: samples are
run one by one (no packing), the PPO clip is the textbook min/max with clamp, the KL is the k3 estimator.

Usage: python3 torch_reference.py --gguf-py DIR REQUEST.json  (writes the answer as JSON on stdout)
  {"mode": "check", "model": PATH, "adapter": PATH, "cases": [{"objective": "sft"|"grpo", "samples": [...],
   "clipLow", "clipHigh", "dualClip", "klBeta"}]}
    -> {"cases": [{"loss", "logprobs": [[...]], "gradients": {name: [...] in GGUF (ggml) element order}}]}
  {"mode": "bench", "model": PATH, "rank", "alpha", "targets": [...], "lengths": [...], "threads", "repeats"}
    -> {"results": [{"tokens", "seconds": [...]}]}   (SFT forward + backward + AdamW over one sample of T tokens)
"""
import argparse
import json
import math
import sys
import time

TARGETS = {'q': 'attn_q', 'k': 'attn_k', 'v': 'attn_v', 'o': 'attn_output', 'gate': 'ffn_gate', 'up': 'ffn_up', 'down': 'ffn_down'}


def field(reader, key, default=None):
    f = reader.fields.get(key)
    if f is None:
        return default
    value = f.contents()
    if isinstance(value, list):
        return value[0]
    return value


class Model:
    def __init__(self, gguf, torch, path, dtype):
        reader = gguf.GGUFReader(path)
        arch = field(reader, 'general.architecture')
        if arch not in ('llama', 'qwen2', 'qwen3'):
            raise SystemExit(f'unsupported architecture {arch}')
        a = arch + '.'
        self.torch, self.arch, self.dtype = torch, arch, dtype
        self.n_embd = field(reader, a + 'embedding_length')
        self.n_layer = field(reader, a + 'block_count')
        self.n_head = field(reader, a + 'attention.head_count')
        self.n_head_kv = field(reader, a + 'attention.head_count_kv', self.n_head)
        self.head_dim = field(reader, a + 'attention.key_length', self.n_embd // self.n_head)
        self.n_rot = field(reader, a + 'rope.dimension_count', self.head_dim)
        self.eps = field(reader, a + 'attention.layer_norm_rms_epsilon', 1e-5)
        self.rope_base = field(reader, a + 'rope.freq_base', 10000.0)
        factor = field(reader, a + 'rope.scaling.factor', field(reader, a + 'rope.scale_linear', 0.0))
        self.freq_scale = 1.0 if not factor or field(reader, a + 'rope.scaling.type') == 'none' else 1.0 / factor
        self.neox = arch != 'llama'
        self.weights = {}
        for t in reader.tensors:
            if t.tensor_type.name not in ('F32', 'F16'):
                raise SystemExit(f'tensor {t.name} has type {t.tensor_type.name}; the reference reads F32/F16 models')
            self.weights[t.name] = torch.from_numpy(t.data.astype('float64' if dtype == torch.float64 else 'float32').copy())
        self.output = self.weights.get('output.weight', self.weights['token_embd.weight'])
        self.rope_freqs = self.weights.get('rope_freqs.weight')

    def w(self, name):
        return self.weights.get(name)

    def rms_norm(self, x, weight):
        return x * self.torch.rsqrt((x * x).mean(-1, keepdim=True) + self.eps) * weight

    def rope_angles(self, T):
        """cos and sin [T, 1, n_rot / 2] of ggml_rope_ext with ext_factor 0 and attn_factor 1."""
        torch = self.torch
        half = self.n_rot // 2
        i = torch.arange(half, dtype=torch.float64)
        theta = torch.arange(T, dtype=torch.float64)[:, None] * self.rope_base ** (-2.0 * i / self.n_rot)[None, :]
        if self.rope_freqs is not None:
            theta = theta / self.rope_freqs[:half].to(torch.float64)[None, :]
        theta = theta * self.freq_scale
        return torch.cos(theta).to(self.dtype)[:, None, :], torch.sin(theta).to(self.dtype)[:, None, :]

    def rope(self, x, angles):
        """x [T, heads, head_dim] rotated by `angles` (NEOX: halves; NORM: adjacent pairs)."""
        torch = self.torch
        cos, sin = angles
        half = self.n_rot // 2
        rot, rest = x[..., :self.n_rot], x[..., self.n_rot:]
        if self.neox:
            x0, x1 = rot[..., :half], rot[..., half:]
            out = torch.cat([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1)
        else:
            x0, x1 = rot[..., 0::2], rot[..., 1::2]
            out = torch.stack([x0 * cos - x1 * sin, x0 * sin + x1 * cos], dim=-1).flatten(-2)
        return torch.cat([out, rest], dim=-1)

    def linear(self, x, layer, name, lora, bias=True):
        prefix = f'blk.{layer}.{name}'
        y = x @ self.w(prefix + '.weight').T
        if lora is not None and prefix in lora.pairs:
            a, b = lora.pairs[prefix]
            y = y + lora.scale * ((x @ a.T) @ b.T)
        if bias and self.w(prefix + '.bias') is not None:
            y = y + self.w(prefix + '.bias')
        return y

    def hidden(self, tokens, lora):
        """Final normed hidden states [T, n_embd] of one sequence (causal attention, positions 0..T-1)."""
        torch = self.torch
        T = len(tokens)
        angles = self.rope_angles(T)
        x = self.weights['token_embd.weight'][torch.tensor(tokens, dtype=torch.long)]
        mask = torch.full((T, T), float('-inf'), dtype=x.dtype).triu(1)
        group = self.n_head // self.n_head_kv
        for il in range(self.n_layer):
            p = f'blk.{il}.'
            h = self.rms_norm(x, self.w(p + 'attn_norm.weight'))
            q = self.linear(h, il, 'attn_q', lora).view(T, self.n_head, self.head_dim)
            k = self.linear(h, il, 'attn_k', lora).view(T, self.n_head_kv, self.head_dim)
            v = self.linear(h, il, 'attn_v', lora).view(T, self.n_head_kv, self.head_dim)
            if self.w(p + 'attn_q_norm.weight') is not None:
                q = self.rms_norm(q, self.w(p + 'attn_q_norm.weight'))
                k = self.rms_norm(k, self.w(p + 'attn_k_norm.weight'))
            q = self.rope(q, angles).transpose(0, 1) * (1.0 / math.sqrt(self.head_dim))  # [H, T, hd]
            k = self.rope(k, angles).transpose(0, 1).repeat_interleave(group, dim=0)     # [H, T, hd]
            v = v.transpose(0, 1).repeat_interleave(group, dim=0)
            scores = q @ k.transpose(1, 2) + mask
            attn = torch.softmax(scores, dim=-1) @ v                                     # [H, T, hd]
            x = x + self.linear(attn.transpose(0, 1).reshape(T, self.n_head * self.head_dim), il, 'attn_output', lora)
            h = self.rms_norm(x, self.w(p + 'ffn_norm.weight'))
            gate = self.linear(h, il, 'ffn_gate', lora)
            up = self.linear(h, il, 'ffn_up', lora)
            x = x + self.linear(torch.nn.functional.silu(gate) * up, il, 'ffn_down', lora)
        return self.rms_norm(x, self.weights['output_norm.weight'])

    def logprobs(self, prompt, response, lora):
        """log p(response[j] | prompt, response[:j]) for every response token."""
        torch = self.torch
        tokens = list(prompt) + list(response)
        rows = self.hidden(tokens, lora)[len(prompt) - 1:len(tokens) - 1]
        logits = rows @ self.output.T
        return torch.log_softmax(logits, dim=-1).gather(1, torch.tensor(response, dtype=torch.long)[:, None])[:, 0]


class Lora:
    def __init__(self, torch, pairs, scale):
        self.pairs, self.scale = pairs, scale  # pairs: 'blk.N.attn_q' -> (A [r, n_in], B [n_out, r])

    @staticmethod
    def from_adapter(gguf, torch, path, dtype):
        reader = gguf.GGUFReader(path)
        alpha = float(field(reader, 'adapter.lora.alpha'))
        tensors = {t.name: torch.from_numpy(t.data.astype('float64' if dtype == torch.float64 else 'float32').copy()) for t in reader.tensors}
        pairs = {}
        for name, a in tensors.items():
            if name.endswith('.weight.lora_a'):
                base = name[:-len('.weight.lora_a')]
                pairs[base] = (a.requires_grad_(), tensors[base + '.weight.lora_b'].requires_grad_())
        rank = next(iter(pairs.values()))[0].shape[0]
        return Lora(torch, pairs, alpha / rank)

    @staticmethod
    def fresh(torch, model, rank, alpha, targets, dtype):
        generator = torch.Generator().manual_seed(1)
        pairs = {}
        for il in range(model.n_layer):
            for target in targets:
                base = f'blk.{il}.{TARGETS[target]}'
                n_out, n_in = model.w(base + '.weight').shape
                bound = 1.0 / math.sqrt(n_in)
                a = ((torch.rand(rank, n_in, generator=generator, dtype=dtype) * 2 - 1) * bound).requires_grad_()
                pairs[base] = (a, torch.zeros(n_out, rank, dtype=dtype).requires_grad_())
        return Lora(torch, pairs, alpha / rank)

    def parameters(self):
        return [t for pair in self.pairs.values() for t in pair]


def grpo_surrogate(torch, logp, old, advantage, clip_low, clip_high, dual_clip):
    """The PPO clipped surrogate min(r A, clip(r, 1 - eps_low, 1 + eps_high) A), dual-clipped at c A for A < 0."""
    ratio = torch.exp(logp - old)
    surrogate = torch.minimum(ratio * advantage, torch.clamp(ratio, 1 - clip_low, 1 + clip_high) * advantage)
    if dual_clip and advantage < 0:
        surrogate = torch.maximum(surrogate, torch.full_like(surrogate, dual_clip * advantage))
    return surrogate


def case_loss(torch, model, lora, case):
    samples = case['samples']
    n = sum(len(s['responseTokens']) for s in samples)
    loss = torch.zeros((), dtype=model.dtype)
    logprobs = []
    for s in samples:
        logp = model.logprobs(s['promptTokens'], s['responseTokens'], lora)
        logprobs.append(logp)
        weight = s.get('weight', 1.0)
        if case['objective'] == 'sft':
            loss = loss - weight * logp.sum() / n
            continue
        old = torch.tensor(s['oldLogprobs'], dtype=model.dtype)
        surrogate = grpo_surrogate(torch, logp, old, s.get('advantage', 0.0), case['clipLow'], case['clipHigh'], case.get('dualClip', 0))
        loss = loss - weight * surrogate.sum() / n
        if case.get('klBeta', 0) > 0:
            d = torch.tensor(s['refLogprobs'], dtype=model.dtype) - logp
            loss = loss + case['klBeta'] * weight * (torch.exp(d) - d - 1).sum() / n
    return loss, logprobs


def check(gguf, torch, request):
    dtype = torch.float64
    model = Model(gguf, torch, request['model'], dtype)
    answers = []
    for case in request['cases']:
        lora = Lora.from_adapter(gguf, torch, request['adapter'], dtype)
        loss, logprobs = case_loss(torch, model, lora, case)
        loss.backward()
        gradients = {}
        for base, (a, b) in lora.pairs.items():
            gradients[base + '.weight.lora_a'] = a.grad.flatten().tolist()
            gradients[base + '.weight.lora_b'] = b.grad.flatten().tolist()
        answers.append({'loss': loss.item(), 'logprobs': [l.detach().tolist() for l in logprobs], 'gradients': gradients})
    return {'cases': answers}


def bench(torch, gguf, request):
    torch.set_num_threads(request['threads'])
    dtype = torch.float32
    model = Model(gguf, torch, request['model'], dtype)
    lora = Lora.fresh(torch, model, request['rank'], request['alpha'], request['targets'], dtype)
    optimizer = torch.optim.AdamW(lora.parameters(), lr=1e-5, weight_decay=0.0)
    vocab = model.output.shape[0]
    results = []
    for length in request['lengths']:
        tokens = [3 + (i * 7919) % (vocab - 3) for i in range(length)]
        case = {'objective': 'sft', 'samples': [{'promptTokens': tokens[:1], 'responseTokens': tokens[1:]}]}
        seconds = []
        for repeat in range(request['repeats'] + 3):
            started = time.perf_counter()
            optimizer.zero_grad()
            loss, _ = case_loss(torch, model, lora, case)
            loss.backward()
            optimizer.step()
            if repeat >= 3:  # three warm-ups: the allocator and OpenBLAS settle over the first steps
                seconds.append(time.perf_counter() - started)
        results.append({'tokens': length, 'seconds': seconds})
    return {'results': results, 'blas': blas_library(), 'torch': torch.__version__}


def blas_library():
    """The BLAS libraries mapped into this process (libblas.so.3 is OpenBLAS once libopenblas0-pthread is installed)."""
    try:
        with open('/proc/self/maps') as maps:
            found = sorted({line.split()[-1] for line in maps if 'blas' in line.split()[-1].lower()})
    except OSError:
        return 'unknown'
    return ', '.join(found) or 'none'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--gguf-py', required=True)
    parser.add_argument('request')
    args = parser.parse_args()
    sys.path.insert(0, args.gguf_py)
    import gguf
    import torch
    with open(args.request) as f:
        request = json.load(f)
    answer = check(gguf, torch, request) if request['mode'] == 'check' else bench(torch, gguf, request)
    json.dump(answer, sys.stdout)


if __name__ == '__main__':
    main()
