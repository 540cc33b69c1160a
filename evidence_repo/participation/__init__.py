"""Citizen participation: observations and questions anyone may send about a milestone or a piece of evidence,
published after moderation and answered by staff or the committee."""
