#!/usr/bin/env python3
"""
Writes the golden prompts of the `agentflow` profile from the reference's own code (lupantech/AgentFlow).

It imports the reference's Initializer, Planner, Executor, Verifier and Memory and its tools/*/tool.py with the
network clients (LLM engines, Gemini, OpenAI, requests, wikipedia, ...) replaced by inert stand-ins, loads the
default tool set of the reference's training and evaluation (ENABLE_TOOLS in train/config.yaml), and records the
prompt text each module would send for the fixed question, query analysis, memory and plan in inputs.json. The
outputs are the test's expected values (test/unit/agent/agentflow-golden.test.ts); the test does not need the
reference at run time.

It also writes the product's copy of the reference's tool cards, resources/prompts/agentflow/tool-cards.json (the
toolbox metadata the reference's Initializer builds, in its key order), which the agentflow profile renders.

Regenerate (Python 3.10+ with pydantic installed), from the repository root:
  git clone https://github.com/lupantech/AgentFlow /tmp/AgentFlow   # or: git -C BARE_GIT_DIR archive HEAD | tar -x -C /tmp/AgentFlow
  python3 scripts/agentflow-golden/generate.py /tmp/AgentFlow [COMMIT]
The reference commit (given, or read with git) is written to reference.txt and into tool-cards.json.
"""
import ast
import json
import os
import subprocess
import sys
import types

repo_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ref_dir = os.path.abspath(sys.argv[1])
out_dir = os.path.join(repo_root, 'test', 'fixtures', 'agentflow-golden')
cards_file = os.path.join(repo_root, 'resources', 'prompts', 'agentflow', 'tool-cards.json')
commit = sys.argv[2] if len(sys.argv) > 2 else subprocess.run(['git', '-C', ref_dir, 'rev-parse', 'HEAD'], capture_output=True, text=True).stdout.strip()
inputs = json.load(open(os.path.join(out_dir, 'inputs.json')))

# --- inert stand-ins for the network clients the reference imports -------------------------------------------
recorded = []


class RecordingEngine:
    """Stands in for every LLM engine: records the prompt as the reference's engines send it (a list input is
    newline-joined, engine/vllm.py) and returns the next scripted response."""
    responses = []

    def __init__(self, *args, **kwargs):
        pass

    def __call__(self, content, **kwargs):
        prompt = '\n'.join(content) if isinstance(content, list) else content
        recorded.append(prompt)
        return RecordingEngine.responses.pop(0) if RecordingEngine.responses else ''

    generate = __call__


def stub(name, **attributes):
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    module.__path__ = []  # lets submodules be stubbed too
    sys.modules[name] = module
    return module


class Anything:
    def __init__(self, *args, **kwargs):
        pass

    def __getattr__(self, name):
        return Anything()

    def __call__(self, *args, **kwargs):
        return Anything()


stub('agentflow.engine', __path__=[])
stub('agentflow.engine.factory', create_llm_engine=lambda *a, **k: RecordingEngine())
stub('agentflow.engine.openai', ChatOpenAI=Anything)
stub('PIL', Image=Anything())
stub('dotenv', load_dotenv=lambda *a, **k: None)
stub('google')
stub('google.genai', Client=Anything, types=Anything())
sys.modules['google'].genai = sys.modules['google.genai']
stub('google.genai.types')
stub('requests', get=Anything())
stub('numpy')
stub('openai', OpenAI=Anything)
stub('bs4', BeautifulSoup=Anything)
stub('wikipedia', search=lambda *a, **k: [], page=Anything())
os.environ.setdefault('GOOGLE_API_KEY', 'not-used')
os.environ.setdefault('OPENAI_API_KEY', 'not-used')

# The standard modules the reference's loader would otherwise shadow: Initializer puts <ref>/agentflow (which has
# logging.py, types.py, config.py, ...) on sys.path, so they are imported first.
import asyncio, concurrent.futures, logging, inspect, importlib, pydantic  # noqa: E401,E402,F401
package = types.ModuleType('agentflow')
package.__path__ = [os.path.join(ref_dir, 'agentflow', 'agentflow')]  # the inner package
sys.modules['agentflow'] = package

from agentflow.models.executor import Executor  # noqa: E402
from agentflow.models.initializer import Initializer  # noqa: E402
from agentflow.models.memory import Memory  # noqa: E402
from agentflow.models.planner import Planner  # noqa: E402
from agentflow.models.verifier import Verifier  # noqa: E402

devnull = open(os.devnull, 'w')
stdout = sys.stdout
sys.stdout = devnull  # the reference prints a lot while loading
initializer = Initializer(enabled_tools=inputs['enabledTools'], tool_engine=[], model_string='trainable', parallel_loading=False)
planner = Planner(llm_engine_name='trainable', toolbox_metadata=initializer.toolbox_metadata, available_tools=initializer.available_tools)
verifier = Verifier(llm_engine_name='trainable', toolbox_metadata=initializer.toolbox_metadata, available_tools=initializer.available_tools)
executor = Executor(llm_engine_name='fixed')

memory = Memory()
for index, action in enumerate(inputs['memory']):
    memory.add_action(index + 1, action['toolName'], action['subGoal'], action['command'], action['result'])

RecordingEngine.responses = [inputs['queryAnalysis']]
analysis = planner.analyze_query(inputs['question'], None)
planner.generate_next_step(inputs['question'], None, analysis, memory, len(inputs['memory']) + 1, 10)
plan = inputs['plan']
executor.generate_tool_command(inputs['question'], None, plan['context'], plan['subGoal'], plan['toolName'], planner.toolbox_metadata[plan['toolName']])
verifier.verificate_context(inputs['question'], None, analysis, memory)
planner.generate_direct_output(inputs['question'], None, memory)
sys.stdout = stdout

system_prompt = None
vllm_source = open(os.path.join(ref_dir, 'agentflow/agentflow/engine/vllm.py')).read()
for node in ast.walk(ast.parse(vllm_source)):
    if isinstance(node, ast.Assign) and any(getattr(t, 'id', None) == 'DEFAULT_SYSTEM_PROMPT' for t in node.targets):
        system_prompt = node.value.value

names = ['analyzer', 'planner', 'executor', 'verifier', 'generator']
assert len(recorded) == len(names), f'expected {len(names)} prompts, recorded {len(recorded)}'
for name, prompt in zip(names, recorded):
    with open(os.path.join(out_dir, f'{name}.txt'), 'w', newline='') as f:
        f.write(prompt)
with open(os.path.join(out_dir, 'system.txt'), 'w', newline='') as f:
    f.write(system_prompt)
with open(os.path.join(out_dir, 'available_tools.txt'), 'w', newline='') as f:
    f.write(repr(initializer.available_tools))
with open(cards_file, 'w', newline='') as f:
    json.dump({
        'source': f'lupantech/AgentFlow {commit}, agentflow/agentflow/tools/*/tool.py as loaded by models/initializer.py (MIT licence, see NOTICE.md)',
        'cards': {name: initializer.toolbox_metadata[name] for name in initializer.available_tools},
    }, f, indent=2, ensure_ascii=False)
    f.write('\n')
with open(os.path.join(out_dir, 'reference.txt'), 'w') as f:
    f.write(f'lupantech/AgentFlow {commit}\n')
print(f'wrote {len(names) + 3} files to {out_dir} and {cards_file}; tools: {initializer.available_tools}')
