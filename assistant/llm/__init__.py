"""LLM backends as LangChain chat models: the packaged local GGUF (llama.cpp), Ollama, and any
OpenAI-compatible server. Chosen by the `llm` setting; see factory.py."""
