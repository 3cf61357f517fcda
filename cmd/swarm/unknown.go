package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// refuseUnknownSubcommands gives every command that only groups subcommands (one without a
// Run of its own, such as rollout or token) a Run that fails on an argument that names no
// subcommand. Cobra itself checks that only for the root: below it, `swarm rollout undo`
// would print the help and exit 0, and a script would take it for done. Without an
// argument the help is printed and the status is 0, as kubectl does.
func refuseUnknownSubcommands(cmd *cobra.Command) {
	for _, sub := range cmd.Commands() {
		refuseUnknownSubcommands(sub)
	}
	if cmd.Runnable() || !cmd.HasSubCommands() || !cmd.HasParent() {
		return
	}
	cmd.Args = cobra.ArbitraryArgs
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return cmd.Help()
		}
		return unknownSubcommand(cmd, args[0])
	}
}

// unknownSubcommand is cobra's own message for an unknown command, with its suggestions
// and the names of the subcommands there are.
func unknownSubcommand(cmd *cobra.Command, arg string) error {
	msg := fmt.Sprintf("unknown command %q for %q", arg, cmd.CommandPath())
	if s := cmd.SuggestionsFor(arg); len(s) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(s, "\n\t")
	}
	var names []string
	for _, sub := range cmd.Commands() {
		if sub.IsAvailableCommand() {
			names = append(names, sub.Name())
		}
	}
	return fmt.Errorf("%s\nRun '%s --help' for usage (subcommands: %s)", msg, cmd.CommandPath(), strings.Join(names, ", "))
}
