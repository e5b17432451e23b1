"""The vibecode screens: home, build (the main place), settings, transcript, small dialogs."""
