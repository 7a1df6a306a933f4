// The proxy Go's net/http picks for each URL given as an argument, from this
// process's environment (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, REQUEST_METHOD and
// their lower-case forms): http.ProxyFromEnvironment, which runs the
// golang.org/x/net/http/httpproxy rules kubectl, helm and the vault CLI use.
// One line per URL: the proxy URL, DIRECT, or ERROR when the proxy variable is
// malformed. The environment is read once per process, so one process serves
// one environment.
package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
)

func main() {
	for _, arg := range os.Args[1:] {
		target, err := url.Parse(arg)
		if err != nil {
			fmt.Println("BADURL")
			continue
		}
		proxy, err := http.ProxyFromEnvironment(&http.Request{URL: target})
		switch {
		case err != nil:
			fmt.Println("ERROR")
		case proxy == nil:
			fmt.Println("DIRECT")
		default:
			fmt.Println(proxy.String())
		}
	}
}
