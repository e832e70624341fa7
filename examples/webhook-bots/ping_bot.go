// A RelayKit outgoing-webhook bot in plain Go (standard library only): answers "!ping" with "pong".
//
// Run: WEBHOOK_SECRET=whsec_... PORT=8000 go run ping_bot.go
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

var key, keyErr = base64.StdEncoding.DecodeString(strings.TrimPrefix(os.Getenv("WEBHOOK_SECRET"), "whsec_"))

// Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body">, timestamp within 5 minutes.
func verified(r *http.Request, body []byte) bool {
	id, ts := r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp")
	seconds, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || math.Abs(float64(time.Now().Unix()-seconds)) > 300 {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "."))
	mac.Write(body)
	expected := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	for _, signature := range strings.Fields(r.Header.Get("webhook-signature")) {
		if hmac.Equal([]byte(strings.TrimPrefix(signature, "v1,")), []byte(expected)) {
			return true
		}
	}
	return false
}

func handle(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if !verified(r, body) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var message struct{ Content json.RawMessage }
	json.Unmarshal(body, &message)
	var text string
	if json.Unmarshal(message.Content, &text) != nil { // object content: its "text" field
		var object struct{ Text string }
		json.Unmarshal(message.Content, &object)
		text = object.Text
	}
	if strings.HasPrefix(text, "!ping") {
		w.Header().Set("content-type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"text": "pong"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func main() {
	if keyErr != nil || len(key) == 0 {
		log.Fatal("set WEBHOOK_SECRET to the endpoint's secret (whsec_...)")
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "8000"
	}
	listener, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("listening on %d\n", listener.Addr().(*net.TCPAddr).Port)
	log.Fatal(http.Serve(listener, http.HandlerFunc(handle)))
}
