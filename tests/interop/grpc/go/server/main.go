// A grpc.testing.TestService server on grpc-go 1.33 (Debian's
// golang-google-grpc-dev), used only to validate the grpc-go and grpc-js
// interop clients before h2pb's own server exists. It implements the server
// features of interop-test-descriptions.md ("Server" section): EmptyCall,
// UnaryCall, StreamingInputCall, StreamingOutputCall, FullDuplexCall,
// HalfDuplexCall, Echo Status, Echo Metadata, interval_us, CompressedRequest
// (expect_compressed) and, as far as grpc-go 1.33 allows, CompressedResponse.
//
// Limits of this reference server, all from grpc-go 1.33's public API:
//   - CompressedResponse: grpc-go compresses every response of a call iff the
//     client's request used a compressor (grpc-encoding), and offers no
//     per-message switch. So response_compressed=true is honoured when the
//     client compresses its request (the grpc-go client does, to advertise
//     gzip), but response_compressed=false is NOT honoured on such a call.
//   - CompressedRequest: grpc-go hides the per-message compressed flag. A stats
//     handler sees each message's wire length and decoded length; a message
//     counts as compressed when they differ. The interop payloads are zeros, so
//     gzip always shrinks them and the test is exact for them.
//
// Server reflection (grpc-go 1.33: grpc.reflection.v1alpha only) is
// registered too: `h2pb trace --reflect` falls back to v1alpha against it.
//
// Prints "listening on HOST:PORT" on stdout once it accepts connections.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	_ "google.golang.org/grpc/encoding/gzip" // registers "gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/stats"
	"google.golang.org/grpc/status"

	pb "h2pb/interop/grpc_testing"
)

const (
	echoInitialKey  = "x-grpc-test-echo-initial"
	echoTrailingKey = "x-grpc-test-echo-trailing-bin"
	// maxMessageBytes: the slow_reader case asks for 64 KiB responses and
	// large_unary for 314159 bytes; 16 MiB leaves room for any custom case.
	maxMessageBytes = 16 << 20
)

// --- per-message compression observation (see header comment) ---

type payloadKey struct{}

// payloadLog records, per RPC, whether each received message was compressed.
type payloadLog struct {
	mu         sync.Mutex
	compressed []bool
}

func (l *payloadLog) pop() (bool, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.compressed) == 0 {
		return false, false
	}
	c := l.compressed[0]
	l.compressed = l.compressed[1:]
	return c, true
}

type statsHandler struct{}

func (statsHandler) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return context.WithValue(ctx, payloadKey{}, &payloadLog{})
}
func (statsHandler) HandleRPC(ctx context.Context, s stats.RPCStats) {
	in, ok := s.(*stats.InPayload)
	if !ok {
		return
	}
	l, _ := ctx.Value(payloadKey{}).(*payloadLog)
	if l == nil {
		return
	}
	const headerLen = 5 // gRPC message prefix: flag + 4-octet length
	l.mu.Lock()
	l.compressed = append(l.compressed, in.WireLength-headerLen != in.Length)
	l.mu.Unlock()
}
func (statsHandler) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context { return ctx }
func (statsHandler) HandleConn(context.Context, stats.ConnStats)                       {}

// checkExpectCompressed pops the compressed flag of the message just received
// and fails with INVALID_ARGUMENT when it does not match expect_compressed.
func checkExpectCompressed(ctx context.Context, expect *pb.BoolValue) error {
	l, _ := ctx.Value(payloadKey{}).(*payloadLog)
	var was bool
	if l != nil {
		was, _ = l.pop()
	}
	if expect.GetValue() && !was {
		return status.Error(codes.InvalidArgument, "expected compressed request message")
	}
	return nil
}

// --- service ---

type server struct {
	pb.UnimplementedTestServiceServer
}

func payload(t pb.PayloadType, size int32) (*pb.Payload, error) {
	if size < 0 {
		return nil, status.Errorf(codes.InvalidArgument, "negative size %d", size)
	}
	if t != pb.PayloadType_COMPRESSABLE {
		return nil, status.Errorf(codes.InvalidArgument, "unsupported payload type %v", t)
	}
	return &pb.Payload{Type: t, Body: make([]byte, size)}, nil
}

// echoMetadata implements "Echo Metadata": the initial value goes back as a
// header, the -bin value as a trailer.
func echoMetadata(ctx context.Context, setHeader func(metadata.MD) error, setTrailer func(metadata.MD)) error {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(echoInitialKey); len(v) > 0 {
		if err := setHeader(metadata.Pairs(echoInitialKey, v[0])); err != nil {
			return err
		}
	}
	if v := md.Get(echoTrailingKey); len(v) > 0 {
		setTrailer(metadata.Pairs(echoTrailingKey, v[0]))
	}
	return nil
}

func echoStatus(s *pb.EchoStatus) error {
	if s == nil || s.Code == 0 {
		return nil
	}
	return status.Error(codes.Code(s.Code), s.Message)
}

func (server) EmptyCall(ctx context.Context, _ *pb.Empty) (*pb.Empty, error) {
	return &pb.Empty{}, nil
}

func (server) UnaryCall(ctx context.Context, in *pb.SimpleRequest) (*pb.SimpleResponse, error) {
	if err := checkExpectCompressed(ctx, in.ExpectCompressed); err != nil {
		return nil, err
	}
	if err := echoMetadata(ctx,
		func(md metadata.MD) error { return grpc.SetHeader(ctx, md) },
		func(md metadata.MD) { grpc.SetTrailer(ctx, md) }); err != nil {
		return nil, err
	}
	if err := echoStatus(in.ResponseStatus); err != nil {
		return nil, err
	}
	p, err := payload(in.ResponseType, in.ResponseSize)
	if err != nil {
		return nil, err
	}
	return &pb.SimpleResponse{Payload: p}, nil
}

func (server) StreamingInputCall(st pb.TestService_StreamingInputCallServer) error {
	total := 0
	for {
		in, err := st.Recv()
		if err == io.EOF {
			return st.SendAndClose(&pb.StreamingInputCallResponse{AggregatedPayloadSize: int32(total)})
		}
		if err != nil {
			return err
		}
		if err := checkExpectCompressed(st.Context(), in.ExpectCompressed); err != nil {
			return err
		}
		total += len(in.GetPayload().GetBody())
	}
}

type sender interface {
	Send(*pb.StreamingOutputCallResponse) error
	Context() context.Context
}

// respond sends one response per ResponseParameters, sleeping interval_us
// before each ("Observe ResponseParameters.interval_us").
func respond(st sender, in *pb.StreamingOutputCallRequest) error {
	for _, rp := range in.ResponseParameters {
		if rp.IntervalUs > 0 {
			select {
			case <-time.After(time.Duration(rp.IntervalUs) * time.Microsecond):
			case <-st.Context().Done():
				return st.Context().Err()
			}
		}
		p, err := payload(in.ResponseType, rp.Size)
		if err != nil {
			return err
		}
		if err := st.Send(&pb.StreamingOutputCallResponse{Payload: p}); err != nil {
			return err
		}
	}
	return nil
}

func (server) StreamingOutputCall(in *pb.StreamingOutputCallRequest, st pb.TestService_StreamingOutputCallServer) error {
	if err := echoMetadata(st.Context(), st.SetHeader, st.SetTrailer); err != nil {
		return err
	}
	if err := echoStatus(in.ResponseStatus); err != nil {
		return err
	}
	return respond(st, in)
}

func (server) FullDuplexCall(st pb.TestService_FullDuplexCallServer) error {
	if err := echoMetadata(st.Context(), st.SetHeader, st.SetTrailer); err != nil {
		return err
	}
	for {
		in, err := st.Recv()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := echoStatus(in.ResponseStatus); err != nil {
			return err
		}
		if err := respond(st, in); err != nil {
			return err
		}
	}
}

func (server) HalfDuplexCall(st pb.TestService_HalfDuplexCallServer) error {
	var reqs []*pb.StreamingOutputCallRequest
	for {
		in, err := st.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		reqs = append(reqs, in)
	}
	for _, in := range reqs {
		if err := respond(st, in); err != nil {
			return err
		}
	}
	return nil
}

func main() {
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", 0, "port to listen on (0: any free port)")
	cert := flag.String("tls-cert", "", "PEM certificate chain; with --tls-key enables TLS")
	key := flag.String("tls-key", "", "PEM private key")
	flag.Parse()

	opts := []grpc.ServerOption{
		grpc.StatsHandler(statsHandler{}),
		grpc.MaxRecvMsgSize(maxMessageBytes),
		grpc.MaxSendMsgSize(maxMessageBytes),
	}
	if *cert != "" || *key != "" {
		creds, err := credentials.NewServerTLSFromFile(*cert, *key)
		if err != nil {
			log.Fatalf("tls: %v", err)
		}
		opts = append(opts, grpc.Creds(creds))
	}
	lis, err := net.Listen("tcp", net.JoinHostPort(*host, fmt.Sprint(*port)))
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	s := grpc.NewServer(opts...)
	pb.RegisterTestServiceServer(s, &server{})
	reflection.Register(s)
	fmt.Printf("listening on %s\n", lis.Addr())
	os.Stdout.Sync()
	if err := s.Serve(lis); err != nil {
		log.Fatalf("serve: %v", err)
	}
}
