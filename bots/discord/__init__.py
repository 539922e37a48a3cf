"""The Discord front end (discord.py): slash commands generated from the
catalog, embeds and persistent buttons, modals, the moderators' channel and
a Sender for notifications. See bots/README.md, "Adding a front end"."""
