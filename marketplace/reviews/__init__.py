"""Reviews and ratings from buyers whose order line completed; sellers reply, curators moderate."""
