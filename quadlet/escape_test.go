package quadlet

import (
	"encoding/json"
	"strings"
	"testing"
)

// hostileValues are strings that must reach a container exactly as written.
var hostileValues = []string{
	"plain",
	"two words",
	" leading and trailing ",
	"line one\nline two",
	"[Service]\nExecStartPre=/bin/rm -rf /",
	"50% done, %n %t %%",
	"$HOME ${HOME} $$ $ $(echo hi) ${",
	`single ' and double " quotes`,
	`back\slash \n not a newline \`,
	`ends with a backslash\`,
	"tab\there, cr\rthere, bell\a",
	"semi;colon ; and # hash",
	"#not a comment",
	"= starts with equals",
	"café ünïcödé 日本語 🚀",
	"nbsp\u00a0inside and at end\u00a0",
	"line\u2028separator",
	"next line \u0085 control",
	"zero\u200bwidth",
	"\x7f delete",
	`"quoted"`,
	"'single'",
	`\x41 \u00e9 \101`,
}

func TestSystemdLiteral(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"plain", "plain"},
		{"100%", "100%%"},
		{"%n%%", "%%n%%%%"},
		{"$HOME", "$$HOME"},
		{"${A}$$", "$${A}$$$$"},
	} {
		if got := systemdLiteral(tc.in); got != tc.want {
			t.Errorf("systemdLiteral(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestQuoteWord(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain", "plain"},
		{"KEY=value", "KEY=value"},
		{"--memory=64m", "--memory=64m"},
		{"100%", "100%%"},
		{"a b", `"a b"`},
		{"a\nb", `"a\nb"`},
		{`a"b`, `"a\"b"`},
		{`a\b`, `"a\\b"`},
		{"a'b", `"a'b"`},
		{"#x", `"#x"`},
		{"\x01", `"\x01"`},
		{"\x7f", `"\x7f"`},
		{"café", `"café"`},
		{"\u00a0", `"\u00a0"`},
		{"\u2028", `"\u2028"`},
		{"\U000e0001", `"\U000e0001"`},
		{"$x y", `"$$x y"`},
	} {
		got, err := quoteWord(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("quoteWord(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestQuoteWordRefuses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "is empty"},
		{"a\x00b", "NUL"},
		{"a\xffb", "not valid UTF-8"},
		{"a\u0080b", "U+0080"},
		{";", "end of the command"},
	} {
		_, err := quoteWord(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("quoteWord(%q) error = %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

// Every hostile value, written as a word, reaches podman's argv unchanged.
func TestQuoteWordThroughTheChain(t *testing.T) {
	for _, v := range hostileValues {
		q, err := quoteWord(v)
		if err != nil {
			t.Fatalf("quoteWord(%q): %v", v, err)
		}
		if strings.ContainsAny(q, "\n\r") {
			t.Errorf("quoteWord(%q) = %q holds a line break", v, q)
		}
		argv, err := throughQuadletAndSystemd("--env " + q)
		if err != nil {
			t.Errorf("value %q written as %s: %v", v, q, err)
			continue
		}
		if len(argv) != 2 || argv[1] != v {
			t.Errorf("value %q written as %s arrived as %q", v, q, argv)
		}
	}
}

func TestRawValue(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"docker.io/library/nginx:1.27", "docker.io/library/nginx:1.27"},
		{"/srv/my data/50%", "/srv/my data/50%%"},
		{`/a"b/c`, `/a"b/c`},
		{`/a\b/c`, `/a\b/c`},
		{"/$HOME", "/$$HOME"},
		{"/café", "/café"},
	} {
		got, err := rawValue(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("rawValue(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestRawValueRefuses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a\nb", "control character U+000A"},
		{"a\tb", "control character U+0009"},
		{"a\u0085b", "control character U+0085"},
		{"a\u2028b", "line separator"},
		{" a", "white space"},
		{"a\u00a0", "white space"},
		{`"a`, `'"'`},
		{`a"`, `'"'`},
		{`a\`, "join the next line"},
		{"a\x00", "NUL"},
		{";", "end of the command"},
	} {
		_, err := rawValue(tc.in)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("rawValue(%q) error = %v, want one containing %q", tc.in, err, tc.want)
		}
	}
}

// Every value that rawValue accepts reaches podman's argv unchanged.
func TestRawValueThroughTheChain(t *testing.T) {
	for _, v := range append(hostileValues, "/srv/a b", `/x\y`, "/%h/$$", "/q'q", "/semi;colon", "; ;") {
		q, err := rawValue(v)
		if err != nil {
			continue // refused values are covered by TestRawValueRefuses
		}
		got, err := rawThroughQuadletAndSystemd(q)
		if err != nil || got != v {
			t.Errorf("raw value %q written as %q arrived as %q, %v", v, q, got, err)
		}
	}
}

func TestJSONArray(t *testing.T) {
	got, err := jsonArray([]string{"/bin/sh", "-c", `echo "$HOME" \ 100%`})
	want := `["/bin/sh","-c","echo \"$HOME\" \\ 100%"]`
	if err != nil || got != want {
		t.Errorf("jsonArray = %s, %v; want %s", got, err, want)
	}
	if got, _ := jsonArray([]string{"é\n🚀"}); got != `["\u00e9\n\ud83d\ude80"]` {
		t.Errorf("jsonArray of non-ASCII = %s", got)
	}
	if _, err := jsonArray([]string{"a\x00"}); err == nil {
		t.Error("jsonArray accepted a NUL byte")
	}
}

// A JSON array of hostile words is pure ASCII, passes rawValue, and podman decodes it back.
func TestJSONArrayThroughTheChain(t *testing.T) {
	words := append(append([]string{}, hostileValues...), "", "\u0080")
	j, err := jsonArray(words)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range j {
		if r < 0x20 || r > 0x7e {
			t.Fatalf("jsonArray wrote %U", r)
		}
	}
	q, err := rawValue(j)
	if err != nil {
		t.Fatalf("rawValue refused the JSON array: %v", err)
	}
	got, err := rawThroughQuadletAndSystemd(q)
	if err != nil {
		t.Fatal(err)
	}
	var back []string
	if err := json.Unmarshal([]byte(got), &back); err != nil {
		t.Fatalf("podman could not decode %s: %v", got, err)
	}
	if len(back) != len(words) {
		t.Fatalf("decoded %d words, want %d", len(back), len(words))
	}
	for i := range words {
		if back[i] != words[i] {
			t.Errorf("word %d: got %q, want %q", i, back[i], words[i])
		}
	}
}
