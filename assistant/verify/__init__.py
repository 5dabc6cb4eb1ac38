"""Support checking: does a passage say what a sentence claims?

The data flow: `markers` reads which passages a sentence cites; `evidence` builds the text a
claim is checked against; `checks` runs the exact checks (a quote, the numbers); `judge` (a
cross-encoder trained here) or `llm_judge` (the local LLM) reads what they let through; `scorer`
wires these into one verdict with a reason code (`types.Reason`); `check` applies it to whole
answers for `assistant check`, `POST /api/check` and the UI's Check tab.
"""
