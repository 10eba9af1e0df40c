"""Quality labels: sellers request them with evidence, curators verify them, reminders before expiry."""
