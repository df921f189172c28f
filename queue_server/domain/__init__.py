"""The pure domain core: hall model, commands, events, dispatch order and numbering."""
