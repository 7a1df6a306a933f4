// Preloaded into a command under test (node --expose-gc --import): collects garbage
// every 20 ms, so anything that only a weak reference keeps alive (a time limit's
// signal, say) is reclaimed within the test's time rather than after minutes of idling.
setInterval(() => globalThis.gc(), 20).unref();
