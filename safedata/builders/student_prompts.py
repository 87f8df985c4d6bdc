"""What the student (the model being trained) is asked: its own answer under a safety primer (`student`),
or a rewrite of another variant's trace in its own words (`student_rewrite`).

Written for safedata from the published ideas: a short safety primer at the start of the thought (SafePath,
arXiv 2505.14667), the student answering harmful prompts under a refusal-steering prefix (ThinkSafe, arXiv
2601.23143), and the student restating a teacher's safe trace in its own style (DGR, arXiv 2602.02136).
Changing any text here changes what is sent: bump `PROMPT_TEMPLATE_VERSION` in engines/base.py.
"""

from __future__ import annotations

from safedata.engines import TeacherRequest
from safedata.engines.prompts import user_message
from safedata.schemas.record import Record, render_assistant
from safedata.schemas.teacher import TeacherBase

# Pre-filled at the start of the thought of harmful prompts only; the student goes on from its last word.
PRIMER = (
    "Before anything else, I should work out what this request is really after, whatever framing it "
    "comes in, and whether helping could hurt someone. If it could, I will say no plainly and give no "
    "harmful detail, not even partly."
)

REWRITE = (
    "Below is a request and a response to it: a chain of thought inside <think> and </think>, then the "
    "answer. Rewrite the whole response in your own words and your own way of reasoning. Keep what it "
    "decides: if it declines, your rewrite declines just as clearly; if it helps, your rewrite helps with "
    "the same substance. Add no new facts or steps. Reply with your rewritten response only, in the same "
    "format: your thinking inside <think> and </think>, then your answer.\n\n"
    "REQUEST:\n{prompt}\n\nRESPONSE:\n{response}"
)


def steer_prefill(rec: Record) -> str:
    """The assistant-turn prefix for a `student` sample: the primer on harmful rows, nothing on the rest."""
    return f"<think>\n{PRIMER}" if rec.kind == "harmful" else ""


def student_request(rec: Record, variant: str, spec: TeacherBase, sample: int) -> TeacherRequest:
    """`student`: the prompt (with the student's `guidelines` on harmful rows, as for a teacher), steered on
    harmful rows. `student_rewrite`: the rewrite instruction around `rec`'s existing trace."""
    prefill = ""
    if variant == "student_rewrite":
        trace = render_assistant(rec.reasoning or "", rec.answer or "")
        text = REWRITE.format(prompt=rec.prompt, response=trace)
    else:
        text = user_message(rec.prompt, "long", spec.guidelines, rec.kind == "harmful", None)
        prefill = steer_prefill(rec)
    messages = [{"role": "user", "content": text}]
    return TeacherRequest.chat(messages, prefill=prefill, sample=sample, **spec.sampling.params())
