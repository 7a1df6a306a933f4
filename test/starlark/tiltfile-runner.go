// tiltfile-runner evaluates a Tiltfile with go.starlark.net, the interpreter
// Tilt embeds, with Tilt's builtins stubbed to record what they receive.
//
//	tiltfile-runner [-subcommand up|down] [-tilt-version 0.33.0] Tiltfile
//
// Prints {"calls": [...]} on success; on an error (a fail() included) prints
// the error to stderr and exits 1. Only the builtins below exist, so a Tiltfile
// using anything else fails to resolve, as it would on a Tilt without it.
// load() reads files relative to the loading file, and ext://NAME only through
// a v1alpha1.extension_repo with a file:// URL: nothing is ever downloaded.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"go.starlark.net/resolve"
	"go.starlark.net/starlark"
	"go.starlark.net/starlarkstruct"
)

type call struct {
	Fn     string                 `json:"fn"`
	Args   []interface{}          `json:"args"`
	Kwargs map[string]interface{} `json:"kwargs"`
}

var (
	calls   []call
	repos   = map[string]string{} // extension_repo name -> url
	exts    = map[string]string{} // extension name -> directory
	modules = map[string]starlark.StringDict{}
	mainDir string
	// The Tilt version version_settings checks constraints against ("" = no check).
	tiltVersion string
	loadings    = map[string]bool{}
)

func toJSON(v starlark.Value) interface{} {
	switch x := v.(type) {
	case starlark.NoneType:
		return nil
	case starlark.Bool:
		return bool(x)
	case starlark.Int:
		i, _ := x.Int64()
		return i
	case starlark.Float:
		return float64(x)
	case starlark.String:
		return string(x)
	case *starlark.List:
		out := []interface{}{}
		for i := 0; i < x.Len(); i++ {
			out = append(out, toJSON(x.Index(i)))
		}
		return out
	case starlark.Tuple:
		out := []interface{}{}
		for _, e := range x {
			out = append(out, toJSON(e))
		}
		return out
	case *starlark.Dict:
		out := map[string]interface{}{}
		for _, kv := range x.Items() {
			k, ok := starlark.AsString(kv[0])
			if !ok {
				k = kv[0].String()
			}
			out[k] = toJSON(kv[1])
		}
		return out
	case *starlarkstruct.Struct:
		out := map[string]interface{}{}
		for _, name := range x.AttrNames() {
			a, _ := x.Attr(name)
			out[name] = toJSON(a)
		}
		return out
	default:
		return fmt.Sprintf("<%s %s>", v.Type(), v.String())
	}
}

// Parameters Tilt's builtins accept, in order (Tilt's API reference and its
// generated v1alpha1 bindings); a call with any other keyword fails as in Tilt.
var params = map[string][]string{
	"local_resource":              {"name", "cmd", "deps", "trigger_mode", "resource_deps", "ignore", "auto_init", "serve_cmd", "cmd_bat", "serve_cmd_bat", "allow_parallel", "links", "tags", "env", "serve_env", "readiness_probe", "dir", "serve_dir", "labels"},
	"local":                       {"command", "quiet", "command_bat", "echo_off", "env", "dir", "stdin"},
	"version_settings":            {"check_updates", "constraint"},
	"v1alpha1.ui_button":          {"name", "labels", "annotations", "text", "icon_name", "icon_svg", "location", "inputs", "disabled", "requires_confirmation"},
	"v1alpha1.cmd":                {"name", "labels", "annotations", "args", "dir", "env", "readiness_probe", "restart_on", "start_on", "disable_source"},
	"v1alpha1.extension_repo":     {"name", "labels", "annotations", "url", "ref", "load_host", "git_subpath"},
	"v1alpha1.extension":          {"name", "labels", "annotations", "repo_name", "repo_path", "args"},
	"v1alpha1.ui_button.location": {"component_id", "component_type"},
	"v1alpha1.cmd.start_on":       {"ui_buttons", "start_after"},
}

func checkParams(name string, args starlark.Tuple, kwargs []starlark.Tuple) error {
	allowed, ok := params[name]
	if !ok {
		return nil
	}
	if len(args) > len(allowed) {
		return fmt.Errorf("%s: got %d positional arguments, want at most %d", name, len(args), len(allowed))
	}
	for _, kv := range kwargs {
		k := string(kv[0].(starlark.String))
		found := false
		for _, a := range allowed {
			found = found || a == k
		}
		if !found {
			return fmt.Errorf("%s: unexpected keyword argument %q", name, k)
		}
		// Dict-valued parameters whose keys Tilt checks too.
		if keys, nested := params[name+"."+k]; nested {
			d, isDict := kv[1].(*starlark.Dict)
			if !isDict {
				return fmt.Errorf("%s: %s: expected dict, got %s", name, k, kv[1].Type())
			}
			for _, dk := range d.Keys() {
				s, _ := starlark.AsString(dk)
				ok := false
				for _, a := range keys {
					ok = ok || a == s
				}
				if !ok {
					return fmt.Errorf("%s: %s: Unexpected attribute name: %s", name, k, s)
				}
			}
		}
	}
	return nil
}

// recorder makes a builtin that records its arguments and returns `result`.
func recorder(name string, result starlark.Value) *starlark.Builtin {
	return starlark.NewBuiltin(name, func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if err := checkParams(name, args, kwargs); err != nil {
			return nil, err
		}
		c := call{Fn: name, Args: []interface{}{}, Kwargs: map[string]interface{}{}}
		for _, a := range args {
			c.Args = append(c.Args, toJSON(a))
		}
		for _, kv := range kwargs {
			c.Kwargs[string(kv[0].(starlark.String))] = toJSON(kv[1])
		}
		calls = append(calls, c)
		return result, nil
	})
}

// withName records like recorder and also hands the call's name argument to `then`.
func withName(name string, then func(n string, kw map[string]interface{}) error) *starlark.Builtin {
	rec := recorder(name, starlark.None)
	return starlark.NewBuiltin(name, func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if _, err := rec.CallInternal(t, args, kwargs); err != nil {
			return nil, err
		}
		c := calls[len(calls)-1]
		n, _ := c.Kwargs["name"].(string)
		if n == "" && len(c.Args) > 0 {
			n, _ = c.Args[0].(string)
		}
		if n == "" {
			return nil, fmt.Errorf("%s: missing name", name)
		}
		return starlark.None, then(n, c.Kwargs)
	})
}

// constraintPart is one comparison of a semver range as Tilt parses it
// (blang/semver ParseRange: ">=0.22.10", "<1.0.0", joined by spaces or "||").
var constraintPart = regexp.MustCompile(`^(>=|<=|>|<|=|==|!=)?v?\d+\.\d+\.\d+$`)

// versionSettings records the call like any builtin, and fails on a constraint
// Tilt could not parse ("error parsing version constraint") or on one that
// -tilt-version does not satisfy, with Tilt's own message.
func versionSettings() *starlark.Builtin {
	rec := recorder("version_settings", starlark.None)
	return starlark.NewBuiltin("version_settings", func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
		if _, err := rec.CallInternal(t, args, kwargs); err != nil {
			return nil, err
		}
		constraint := strArg(calls[len(calls)-1].Kwargs, "constraint")
		if constraint == "" {
			return starlark.None, nil
		}
		for _, alt := range strings.Split(constraint, "||") {
			for _, part := range strings.Fields(alt) {
				if !constraintPart.MatchString(part) {
					return nil, fmt.Errorf("error parsing version constraint: %q", constraint)
				}
				if tiltVersion != "" && !satisfies(tiltVersion, part) {
					return nil, fmt.Errorf("you are running Tilt version %s, which doesn't match the version constraint specified in your Tiltfile: '%s'", tiltVersion, constraint)
				}
			}
		}
		return starlark.None, nil
	})
}

func semverParts(v string) [3]int {
	var out [3]int
	for i, p := range strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3) {
		out[i], _ = strconv.Atoi(p)
	}
	return out
}

// satisfies compares version with one ">=x.y.z"-style part (no pre-release tags).
func satisfies(version, part string) bool {
	op := strings.TrimRight(part, "v0123456789.")
	a, b := semverParts(version), semverParts(strings.TrimPrefix(part, op))
	cmp := 0
	for i := 0; i < 3 && cmp == 0; i++ {
		if a[i] < b[i] {
			cmp = -1
		} else if a[i] > b[i] {
			cmp = 1
		}
	}
	switch op {
	case ">=":
		return cmp >= 0
	case ">":
		return cmp > 0
	case "<=":
		return cmp <= 0
	case "<":
		return cmp < 0
	case "!=":
		return cmp != 0
	default:
		return cmp == 0
	}
}

func strArg(kw map[string]interface{}, k string) string {
	s, _ := kw[k].(string)
	return s
}

func predeclared(subcommand string) starlark.StringDict {
	v1 := starlark.StringDict{}
	for _, n := range []string{"ui_button", "cmd", "config_map", "file_watch", "ui_text_input_spec", "ui_bool_input_spec", "ui_component_location", "start_on_spec"} {
		v1[n] = recorder("v1alpha1."+n, starlark.None)
	}
	v1["extension_repo"] = withName("v1alpha1.extension_repo", func(n string, kw map[string]interface{}) error {
		repos[n] = strArg(kw, "url")
		return nil
	})
	v1["extension"] = withName("v1alpha1.extension", func(n string, kw map[string]interface{}) error {
		url, ok := repos[strArg(kw, "repo_name")]
		if !ok {
			return fmt.Errorf("v1alpha1.extension %s: unknown extension repo %q", n, strArg(kw, "repo_name"))
		}
		if !strings.HasPrefix(url, "file://") {
			return fmt.Errorf("v1alpha1.extension %s: repo URL %q would be downloaded; only file:// is allowed here", n, url)
		}
		exts[n] = filepath.Join(strings.TrimPrefix(url, "file://"), strArg(kw, "repo_path"))
		return nil
	})

	osPath := starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
		"exists": starlark.NewBuiltin("os.path.exists", func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			var p string
			if err := starlark.UnpackPositionalArgs(b.Name(), args, kwargs, 1, &p); err != nil {
				return nil, err
			}
			_, err := os.Stat(p)
			return starlark.Bool(err == nil), nil
		}),
		"join": starlark.NewBuiltin("os.path.join", func(t *starlark.Thread, b *starlark.Builtin, args starlark.Tuple, kwargs []starlark.Tuple) (starlark.Value, error) {
			parts := []string{}
			for _, a := range args {
				s, ok := starlark.AsString(a)
				if !ok {
					return nil, fmt.Errorf("os.path.join: expected strings")
				}
				parts = append(parts, s)
			}
			return starlark.String(filepath.Join(parts...)), nil
		}),
	})

	return starlark.StringDict{
		"local_resource":      recorder("local_resource", starlark.None),
		"local":               recorder("local", starlark.String("")),
		"version_settings":    versionSettings(),
		"struct":              starlark.NewBuiltin("struct", starlarkstruct.Make),
		"TRIGGER_MODE_AUTO":   starlark.String("TRIGGER_MODE_AUTO"),
		"TRIGGER_MODE_MANUAL": starlark.String("TRIGGER_MODE_MANUAL"),
		"v1alpha1":            starlarkstruct.FromStringDict(starlarkstruct.Default, v1),
		"config": starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
			"main_dir":        starlark.String(mainDir),
			"tilt_subcommand": starlark.String(subcommand),
		}),
		"os": starlarkstruct.FromStringDict(starlarkstruct.Default, starlark.StringDict{
			"path": osPath,
			"getcwd": starlark.NewBuiltin("os.getcwd", func(*starlark.Thread, *starlark.Builtin, starlark.Tuple, []starlark.Tuple) (starlark.Value, error) {
				return starlark.String(mainDir), nil
			}),
		}),
	}
}

func exec(thread *starlark.Thread, file string, env starlark.StringDict) (starlark.StringDict, error) {
	if g, ok := modules[file]; ok {
		return g, nil
	}
	if loadings[file] {
		return nil, fmt.Errorf("load cycle through %s", file)
	}
	loadings[file] = true
	src, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	g, err := starlark.ExecFile(thread, file, src, env)
	if err != nil {
		return nil, err
	}
	modules[file] = g
	return g, nil
}

func main() {
	subcommand := flag.String("subcommand", "up", "the value of config.tilt_subcommand")
	flag.StringVar(&tiltVersion, "tilt-version", "", "the Tilt version version_settings(constraint) must accept")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: tiltfile-runner [-subcommand up|down] Tiltfile")
		os.Exit(2)
	}
	// The dialect Tilt enables.
	resolve.AllowSet = true
	resolve.AllowGlobalReassign = true
	resolve.AllowRecursion = true

	main, _ := filepath.Abs(flag.Arg(0))
	mainDir = filepath.Dir(main)
	env := predeclared(*subcommand)
	thread := &starlark.Thread{Name: "tiltfile"}
	thread.Load = func(t *starlark.Thread, module string) (starlark.StringDict, error) {
		var file string
		if strings.HasPrefix(module, "ext://") {
			dir, ok := exts[strings.TrimPrefix(module, "ext://")]
			if !ok {
				return nil, fmt.Errorf("load(%q): no v1alpha1.extension registered under that name; Tilt would download it", module)
			}
			file = filepath.Join(dir, "Tiltfile")
		} else if filepath.IsAbs(module) {
			file = module
		} else {
			from := t.CallFrame(0).Pos.Filename()
			file = filepath.Join(filepath.Dir(from), module)
		}
		return exec(t, file, env)
	}
	_, err := exec(thread, main, env)
	if err != nil {
		var evalErr *starlark.EvalError
		if errors.As(err, &evalErr) {
			fmt.Fprintln(os.Stderr, evalErr.Backtrace())
		} else {
			fmt.Fprintln(os.Stderr, err)
		}
		os.Exit(1)
	}
	out, _ := json.MarshalIndent(map[string]interface{}{"calls": calls}, "", "  ")
	fmt.Println(string(out))
}
