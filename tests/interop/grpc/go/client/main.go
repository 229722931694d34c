// A grpc-go (1.33, Debian golang-google-grpc-dev) interop client for
// grpc.testing.TestService, following interop-test-descriptions.md. Debian does
// not ship google.golang.org/grpc/interop (the official case code), so the
// cases are written here from the descriptions, with the same assertions.
//
// CLI (shared with the C++/Python clients, driven by run_clients.py):
//
//	go-interop-client --server_host H --server_port P --test_case NAME
//	    [--use_tls --ca_file F --server_host_override foo.test.google.fr]
//
// Exit status: 0 pass, 1 fail, 77 skip (the case cannot be done faithfully
// with grpc-go 1.33; the reason is printed).
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	pb "h2pb/interop/grpc_testing"
)

const (
	exitPass = 0
	exitFail = 1
	exitSkip = 77

	// callTimeout bounds every case so a hung server fails the case instead of
	// hanging the harness.
	callTimeout = 60 * time.Second
	// maxMessageBytes: largest message a case receives is 314159 bytes; the
	// 4 MiB grpc-go default would do, but be explicit.
	maxMessageBytes = 16 << 20

	// concurrent_unary: calls in flight at once on one channel.
	concurrentCalls = 1000
	// slow_reader: 256 x 64 KiB = 16 MiB streamed, read with a pause every
	// slowReaderPauseEvery messages so the server meets flow control.
	slowReaderMessages   = 256
	slowReaderMessageLen = 64 << 10
	slowReaderPauseEvery = 16
	slowReaderPause      = 50 * time.Millisecond
	// cancel_mid_stream: responses read before cancelling.
	cancelMidStreamReads = 3
	cancelMidStreamTotal = 100
)

type skipError struct{ reason string }

func (s skipError) Error() string { return "skip: " + s.reason }

func failf(format string, args ...interface{}) error { return fmt.Errorf(format, args...) }

func zeros(n int) *pb.Payload { return &pb.Payload{Body: make([]byte, n)} }

func checkBody(p *pb.Payload, n int) error {
	b := p.GetBody()
	if len(b) != n {
		return failf("payload body is %d bytes, want %d", len(b), n)
	}
	if !bytes.Equal(b, make([]byte, n)) {
		return failf("payload body of %d bytes is not all zeros", n)
	}
	return nil
}

func wantCode(err error, want codes.Code) error {
	if got := status.Code(err); got != want {
		return failf("status %v (%v), want %v", got, err, want)
	}
	return nil
}

// --- observing the compressed flag of received messages ---
//
// grpc-go does not expose the per-message compressed flag, but its stats
// handler reports each received message's wire length (after the 5-octet
// prefix, as sent) and decoded length. They differ exactly when the message was
// decompressed, for the all-zero interop payloads (gzip always shrinks them).

type recvLog struct {
	mu         sync.Mutex
	compressed []bool
}

func (l *recvLog) take() []bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	c := l.compressed
	l.compressed = nil
	return c
}

func (l *recvLog) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context { return ctx }
func (l *recvLog) HandleRPC(_ context.Context, s stats.RPCStats) {
	if in, ok := s.(*stats.InPayload); ok {
		const headerLen = 5
		l.mu.Lock()
		l.compressed = append(l.compressed, in.WireLength-headerLen != in.Length)
		l.mu.Unlock()
	}
}
func (l *recvLog) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (l *recvLog) HandleConn(context.Context, stats.ConnStats)                       {}

var received = &recvLog{}

// --- cases ---

type testCase func(ctx context.Context, conn *grpc.ClientConn, c pb.TestServiceClient) error

func emptyUnary(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	r, err := c.EmptyCall(ctx, &pb.Empty{})
	if err != nil {
		return err
	}
	if r == nil {
		return failf("nil response")
	}
	return nil
}

func largeUnary(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	r, err := c.UnaryCall(ctx, &pb.SimpleRequest{ResponseSize: 314159, Payload: zeros(271828)})
	if err != nil {
		return err
	}
	return checkBody(r.Payload, 314159)
}

func clientCompressedUnary(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	req := func(expect bool) *pb.SimpleRequest {
		return &pb.SimpleRequest{ExpectCompressed: &pb.BoolValue{Value: expect},
			ResponseSize: 314159, Payload: zeros(271828)}
	}
	// Probe: uncompressed but expect_compressed => INVALID_ARGUMENT.
	if _, err := c.UnaryCall(ctx, req(true)); status.Code(err) != codes.InvalidArgument {
		return failf("probe: status %v (%v), want InvalidArgument", status.Code(err), err)
	}
	r, err := c.UnaryCall(ctx, req(true), grpc.UseCompressor(gzip.Name))
	if err != nil {
		return failf("compressed call: %v", err)
	}
	if err := checkBody(r.Payload, 314159); err != nil {
		return err
	}
	r, err = c.UnaryCall(ctx, req(false))
	if err != nil {
		return failf("uncompressed call: %v", err)
	}
	return checkBody(r.Payload, 314159)
}

func serverCompressedUnary(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	for _, compressed := range []bool{true, false} {
		received.take()
		// grpc-go advertises gzip (grpc-accept-encoding) only on calls that use
		// it, so the request is gzip-compressed too; it does not ask for that.
		r, err := c.UnaryCall(ctx, &pb.SimpleRequest{ResponseCompressed: &pb.BoolValue{Value: compressed},
			ResponseSize: 314159, Payload: zeros(271828)}, grpc.UseCompressor(gzip.Name))
		if err != nil {
			return failf("response_compressed=%v: %v", compressed, err)
		}
		if err := checkBody(r.Payload, 314159); err != nil {
			return err
		}
		got := received.take()
		if len(got) != 1 || got[0] != compressed {
			return failf("response_compressed=%v: received messages compressed %v", compressed, got)
		}
	}
	return nil
}

func clientStreaming(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	st, err := c.StreamingInputCall(ctx)
	if err != nil {
		return err
	}
	for _, n := range []int{27182, 8, 1828, 45904} {
		if err := st.Send(&pb.StreamingInputCallRequest{Payload: zeros(n)}); err != nil {
			return failf("send: %v", err)
		}
	}
	r, err := st.CloseAndRecv()
	if err != nil {
		return err
	}
	if r.AggregatedPayloadSize != 74922 {
		return failf("aggregated_payload_size %d, want 74922", r.AggregatedPayloadSize)
	}
	return nil
}

func clientCompressedStreaming(context.Context, *grpc.ClientConn, pb.TestServiceClient) error {
	return skipError{"grpc-go 1.33 compresses all messages of a stream or none (grpc.UseCompressor is per call); " +
		"the case needs a compressed then an uncompressed message on one stream"}
}

func serverStreaming(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	sizes := []int{31415, 9, 2653, 58979}
	req := &pb.StreamingOutputCallRequest{}
	for _, n := range sizes {
		req.ResponseParameters = append(req.ResponseParameters, &pb.ResponseParameters{Size: int32(n)})
	}
	st, err := c.StreamingOutputCall(ctx, req)
	if err != nil {
		return err
	}
	for i := 0; ; i++ {
		r, err := st.Recv()
		if err == io.EOF {
			if i != len(sizes) {
				return failf("%d responses, want %d", i, len(sizes))
			}
			return nil
		}
		if err != nil {
			return err
		}
		if i >= len(sizes) {
			return failf("more than %d responses", len(sizes))
		}
		if err := checkBody(r.Payload, sizes[i]); err != nil {
			return failf("response %d: %v", i, err)
		}
	}
}

func serverCompressedStreaming(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	received.take()
	req := &pb.StreamingOutputCallRequest{ResponseParameters: []*pb.ResponseParameters{
		{Compressed: &pb.BoolValue{Value: true}, Size: 31415},
		{Compressed: &pb.BoolValue{Value: false}, Size: 92653},
	}}
	st, err := c.StreamingOutputCall(ctx, req, grpc.UseCompressor(gzip.Name))
	if err != nil {
		return err
	}
	sizes := []int{31415, 92653}
	n := 0
	for ; ; n++ {
		r, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if n >= len(sizes) {
			return failf("more than %d responses", len(sizes))
		}
		if err := checkBody(r.Payload, sizes[n]); err != nil {
			return failf("response %d: %v", n, err)
		}
	}
	if n != len(sizes) {
		return failf("%d responses, want %d", n, len(sizes))
	}
	if got := received.take(); len(got) != 2 || !got[0] || got[1] {
		return failf("received messages compressed %v, want [true false]", got)
	}
	return nil
}

func pingPong(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	st, err := c.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	resp := []int{31415, 9, 2653, 58979}
	reqs := []int{27182, 8, 1828, 45904}
	for i := range resp {
		if err := st.Send(&pb.StreamingOutputCallRequest{
			ResponseParameters: []*pb.ResponseParameters{{Size: int32(resp[i])}},
			Payload:            zeros(reqs[i])}); err != nil {
			return failf("send %d: %v", i, err)
		}
		r, err := st.Recv()
		if err != nil {
			return failf("recv %d: %v", i, err)
		}
		if err := checkBody(r.Payload, resp[i]); err != nil {
			return failf("response %d: %v", i, err)
		}
	}
	if err := st.CloseSend(); err != nil {
		return err
	}
	if _, err := st.Recv(); err != io.EOF {
		return failf("after half-close: %v, want end of stream with OK", err)
	}
	return nil
}

func emptyStream(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	st, err := c.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := st.CloseSend(); err != nil {
		return err
	}
	if _, err := st.Recv(); err != io.EOF {
		return failf("want end of stream with OK and no responses, got %v", err)
	}
	return nil
}

func timeoutOnSleepingServer(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	ctx, cancel := context.WithTimeout(ctx, time.Millisecond)
	defer cancel()
	st, err := c.FullDuplexCall(ctx)
	if err != nil {
		return wantCode(err, codes.DeadlineExceeded)
	}
	// The send may fail once the deadline passed; the status comes from Recv.
	_ = st.Send(&pb.StreamingOutputCallRequest{Payload: zeros(27182)})
	_, err = st.Recv()
	return wantCode(err, codes.DeadlineExceeded)
}

func cancelAfterBegin(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	ctx, cancel := context.WithCancel(ctx)
	st, err := c.StreamingInputCall(ctx)
	if err != nil {
		cancel()
		return err
	}
	cancel()
	_, err = st.CloseAndRecv()
	return wantCode(err, codes.Canceled)
}

func cancelAfterFirstResponse(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, err := c.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := st.Send(&pb.StreamingOutputCallRequest{
		ResponseParameters: []*pb.ResponseParameters{{Size: 31415}},
		Payload:            zeros(27182)}); err != nil {
		return err
	}
	r, err := st.Recv()
	if err != nil {
		return err
	}
	if err := checkBody(r.Payload, 31415); err != nil {
		return err
	}
	cancel()
	_, err = st.Recv()
	return wantCode(err, codes.Canceled)
}

const (
	initialKey   = "x-grpc-test-echo-initial"
	initialValue = "test_initial_metadata_value"
	trailingKey  = "x-grpc-test-echo-trailing-bin"
)

var trailingValue = string([]byte{0xab, 0xab, 0xab})

func checkEcho(header, trailer metadata.MD) error {
	if v := header.Get(initialKey); len(v) != 1 || v[0] != initialValue {
		return failf("initial metadata %s = %q, want [%q]", initialKey, v, initialValue)
	}
	if v := trailer.Get(trailingKey); len(v) != 1 || v[0] != trailingValue {
		return failf("trailing metadata %s = %q, want [%q]", trailingKey, v, trailingValue)
	}
	return nil
}

func customMetadata(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	ctx = metadata.AppendToOutgoingContext(ctx, initialKey, initialValue, trailingKey, trailingValue)
	var header, trailer metadata.MD
	r, err := c.UnaryCall(ctx, &pb.SimpleRequest{ResponseSize: 314159, Payload: zeros(271828)},
		grpc.Header(&header), grpc.Trailer(&trailer))
	if err != nil {
		return failf("unary: %v", err)
	}
	if err := checkBody(r.Payload, 314159); err != nil {
		return err
	}
	if err := checkEcho(header, trailer); err != nil {
		return failf("unary: %v", err)
	}

	st, err := c.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := st.Send(&pb.StreamingOutputCallRequest{
		ResponseParameters: []*pb.ResponseParameters{{Size: 314159}},
		Payload:            zeros(271828)}); err != nil {
		return err
	}
	if err := st.CloseSend(); err != nil {
		return err
	}
	sr, err := st.Recv()
	if err != nil {
		return failf("full duplex: %v", err)
	}
	if err := checkBody(sr.Payload, 314159); err != nil {
		return err
	}
	if _, err := st.Recv(); err != io.EOF {
		return failf("full duplex: after the response: %v, want OK", err)
	}
	header, err = st.Header()
	if err != nil {
		return err
	}
	if err := checkEcho(header, st.Trailer()); err != nil {
		return failf("full duplex: %v", err)
	}
	return nil
}

func checkStatus(err error, code codes.Code, msg string) error {
	s := status.Convert(err)
	if s.Code() != code || s.Message() != msg {
		return failf("status %v %q, want %v %q", s.Code(), s.Message(), code, msg)
	}
	return nil
}

func statusCodeAndMessage(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	const msg = "test status message"
	es := &pb.EchoStatus{Code: 2, Message: msg}
	_, err := c.UnaryCall(ctx, &pb.SimpleRequest{ResponseStatus: es})
	if err := checkStatus(err, codes.Unknown, msg); err != nil {
		return failf("unary: %v", err)
	}
	st, err := c.FullDuplexCall(ctx)
	if err != nil {
		return err
	}
	if err := st.Send(&pb.StreamingOutputCallRequest{ResponseStatus: es}); err != nil {
		return err
	}
	if err := st.CloseSend(); err != nil {
		return err
	}
	_, err = st.Recv()
	if err := checkStatus(err, codes.Unknown, msg); err != nil {
		return failf("full duplex: %v", err)
	}
	return nil
}

func specialStatusMessage(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	const msg = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
	_, err := c.UnaryCall(ctx, &pb.SimpleRequest{ResponseStatus: &pb.EchoStatus{Code: 2, Message: msg}})
	return checkStatus(err, codes.Unknown, msg)
}

func unimplementedMethod(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	_, err := c.UnimplementedCall(ctx, &pb.Empty{})
	return wantCode(err, codes.Unimplemented)
}

func unimplementedService(ctx context.Context, conn *grpc.ClientConn, _ pb.TestServiceClient) error {
	_, err := pb.NewUnimplementedServiceClient(conn).UnimplementedCall(ctx, &pb.Empty{})
	return wantCode(err, codes.Unimplemented)
}

// concurrent_unary (h2pb addition): 1,000 unary calls in flight on one
// channel; every one must succeed with the right payload.
func concurrentUnary(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	var wg sync.WaitGroup
	errs := make(chan error, concurrentCalls)
	for i := 0; i < concurrentCalls; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			size := 1 + i%1024
			r, err := c.UnaryCall(ctx, &pb.SimpleRequest{ResponseSize: int32(size), Payload: zeros(i % 2048)})
			if err == nil {
				err = checkBody(r.Payload, size)
			}
			if err != nil {
				errs <- failf("call %d: %v", i, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	n := 0
	var first error
	for err := range errs {
		if first == nil {
			first = err
		}
		n++
	}
	if n > 0 {
		return failf("%d of %d calls failed; first: %v", n, concurrentCalls, first)
	}
	return nil
}

// slow_reader (h2pb addition): a 16 MiB server stream read slowly, so the
// server must respect flow control; every byte must arrive intact.
func slowReader(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	req := &pb.StreamingOutputCallRequest{}
	for i := 0; i < slowReaderMessages; i++ {
		req.ResponseParameters = append(req.ResponseParameters, &pb.ResponseParameters{Size: slowReaderMessageLen})
	}
	st, err := c.StreamingOutputCall(ctx, req)
	if err != nil {
		return err
	}
	total := 0
	for i := 0; ; i++ {
		if i%slowReaderPauseEvery == 0 {
			time.Sleep(slowReaderPause)
		}
		r, err := st.Recv()
		if err == io.EOF {
			if i != slowReaderMessages {
				return failf("%d responses, want %d", i, slowReaderMessages)
			}
			break
		}
		if err != nil {
			return failf("after %d responses: %v", i, err)
		}
		if err := checkBody(r.Payload, slowReaderMessageLen); err != nil {
			return failf("response %d: %v", i, err)
		}
		total += len(r.Payload.Body)
	}
	if total != slowReaderMessages*slowReaderMessageLen {
		return failf("received %d bytes", total)
	}
	return nil
}

// cancel_mid_stream (h2pb addition): cancel a server stream after a few
// responses; the channel must still carry a new unary call.
func cancelMidStream(ctx context.Context, _ *grpc.ClientConn, c pb.TestServiceClient) error {
	sctx, cancel := context.WithCancel(ctx)
	req := &pb.StreamingOutputCallRequest{}
	for i := 0; i < cancelMidStreamTotal; i++ {
		req.ResponseParameters = append(req.ResponseParameters,
			&pb.ResponseParameters{Size: 1024, IntervalUs: 10000})
	}
	st, err := c.StreamingOutputCall(sctx, req)
	if err != nil {
		cancel()
		return err
	}
	for i := 0; i < cancelMidStreamReads; i++ {
		r, err := st.Recv()
		if err != nil {
			cancel()
			return failf("response %d: %v", i, err)
		}
		if err := checkBody(r.Payload, 1024); err != nil {
			cancel()
			return err
		}
	}
	cancel()
	for {
		if _, err := st.Recv(); err != nil {
			if err := wantCode(err, codes.Canceled); err != nil {
				return failf("cancelled stream: %v", err)
			}
			break
		}
	}
	r, err := c.UnaryCall(ctx, &pb.SimpleRequest{ResponseSize: 314159, Payload: zeros(271828)})
	if err != nil {
		return failf("unary call after the cancel: %v", err)
	}
	return checkBody(r.Payload, 314159)
}

var cases = map[string]testCase{
	"empty_unary":                 emptyUnary,
	"large_unary":                 largeUnary,
	"client_compressed_unary":     clientCompressedUnary,
	"server_compressed_unary":     serverCompressedUnary,
	"client_streaming":            clientStreaming,
	"client_compressed_streaming": clientCompressedStreaming,
	"server_streaming":            serverStreaming,
	"server_compressed_streaming": serverCompressedStreaming,
	"ping_pong":                   pingPong,
	"empty_stream":                emptyStream,
	"timeout_on_sleeping_server":  timeoutOnSleepingServer,
	"cancel_after_begin":          cancelAfterBegin,
	"cancel_after_first_response": cancelAfterFirstResponse,
	"custom_metadata":             customMetadata,
	"status_code_and_message":     statusCodeAndMessage,
	"special_status_message":      specialStatusMessage,
	"unimplemented_method":        unimplementedMethod,
	"unimplemented_service":       unimplementedService,
	"concurrent_unary":            concurrentUnary,
	"slow_reader":                 slowReader,
	"cancel_mid_stream":           cancelMidStream,
}

func main() {
	host := flag.String("server_host", "localhost", "server host")
	port := flag.Int("server_port", 0, "server port")
	name := flag.String("test_case", "", "interop test case")
	useTLS := flag.Bool("use_tls", false, "connect over TLS")
	caFile := flag.String("ca_file", "", "PEM CA certificate that signed the server's certificate")
	override := flag.String("server_host_override", "", "name to verify the server certificate against (and send as SNI/:authority)")
	flag.Parse()

	run, ok := cases[*name]
	if !ok {
		fmt.Fprintf(os.Stderr, "unknown --test_case %q\n", *name)
		os.Exit(exitFail)
	}
	if *port <= 0 {
		fmt.Fprintln(os.Stderr, "--server_port is required")
		os.Exit(exitFail)
	}
	opts := []grpc.DialOption{
		grpc.WithStatsHandler(received),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(maxMessageBytes), grpc.MaxCallSendMsgSize(maxMessageBytes)),
	}
	if *useTLS {
		creds, err := credentials.NewClientTLSFromFile(*caFile, *override)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tls: %v\n", err)
			os.Exit(exitFail)
		}
		opts = append(opts, grpc.WithTransportCredentials(creds))
	} else {
		opts = append(opts, grpc.WithInsecure())
	}
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	defer cancel()
	conn, err := grpc.DialContext(ctx, net.JoinHostPort(*host, strconv.Itoa(*port)), opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "dial: %v\n", err)
		os.Exit(exitFail)
	}
	defer conn.Close()

	err = run(ctx, conn, pb.NewTestServiceClient(conn))
	var skip skipError
	switch {
	case err == nil:
		fmt.Printf("PASS %s\n", *name)
	case errors.As(err, &skip):
		fmt.Printf("SKIP %s: %s\n", *name, skip.reason)
		conn.Close()
		os.Exit(exitSkip)
	default:
		fmt.Printf("FAIL %s: %v\n", *name, err)
		conn.Close()
		os.Exit(exitFail)
	}
}
