"""Front ends, each thin: parse input -> call the core -> render."""
