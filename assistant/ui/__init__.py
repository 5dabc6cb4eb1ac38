"""The web UI (Gradio) and the server that carries it beside the JSON API."""
