package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command that groups subcommands refuses one it does not have, with cobra's message
// and a failing status, and prints its help when given none.
func TestUnknownSubcommandsFail(t *testing.T) {
	var groups []string
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.HasSubCommands() {
			groups = append(groups, strings.TrimPrefix(c.CommandPath(), "swarm"))
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCommand())
	for _, want := range []string{"", " rollout", " token", " node", " dns whitelist"} {
		if !slices.Contains(groups, want) {
			t.Errorf("no command group %q among %q", want, groups)
		}
	}
	for _, g := range groups {
		args := append(strings.Fields(g), "frob")
		root := newRootCommand()
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(args)
		err := root.Execute()
		if err == nil || !strings.Contains(err.Error(), `unknown command "frob" for "swarm`+g+`"`) {
			t.Errorf("swarm %s: err %v, want unknown command", strings.Join(args, " "), err)
			continue
		}
		if exitStatus(err) != 1 {
			t.Errorf("swarm %s: exit %d, want 1", strings.Join(args, " "), exitStatus(err))
		}
	}
	root := newRootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"rollout"})
	if err := root.Execute(); err != nil || !strings.Contains(out.String(), "Usage:") {
		t.Errorf("swarm rollout alone: %v, printed %q", err, out.String())
	}
}
