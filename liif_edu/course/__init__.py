"""The course's own tools: widgets, drawings and the exercises' checkers. It may import anything in liif_edu; nothing in liif_edu imports it."""
