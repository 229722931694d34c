// grpc-go's health and reflection clients against a server that serves
// grpc.health.v1.Health and grpc.reflection.v1alpha (Debian's grpc-go 1.33
// has no v1 client) and one application service (run.py go).
//
// The reflection part knows only the address: it lists the services, takes
// the one that is neither health nor reflection, fetches its file and
// imports, finds the UnaryCall method, its request and response types and
// their fields in the FileDescriptorProtos, encodes a request from those
// field numbers and types (response_size = 7, fill_username = true), calls
// the method with a codec that passes bytes through (Debian's golang/protobuf
// 1.3 has no dynamic messages) and decodes the answer the same way.
//
// Usage: go-health-reflection-client -addr 127.0.0.1:PORT
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/golang/protobuf/proto"
	descpb "github.com/golang/protobuf/protoc-gen-go/descriptor"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflpb "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"
)

var failures int

func check(ok bool, format string, args ...interface{}) {
	msg := fmt.Sprintf(format, args...)
	if ok {
		fmt.Println("ok   [go] " + msg)
	} else {
		fmt.Println("FAIL [go] " + msg)
		failures++
	}
}

// rawCodec sends and receives message bytes as they are.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func health(ctx context.Context, cc *grpc.ClientConn) {
	h := healthpb.NewHealthClient(cc)
	r, err := h.Check(ctx, &healthpb.HealthCheckRequest{})
	check(err == nil && r.GetStatus() == healthpb.HealthCheckResponse_SERVING, "Check(\"\") SERVING (%v)", err)
	_, err = h.Check(ctx, &healthpb.HealthCheckRequest{Service: "no.Such"})
	check(status.Code(err) == codes.NotFound, "Check of an unknown service: NotFound (%v)", err)
	wctx, cancel := context.WithCancel(ctx)
	w, err := h.Watch(wctx, &healthpb.HealthCheckRequest{Service: "no.Such"})
	if err == nil {
		m, err2 := w.Recv()
		check(err2 == nil && m.GetStatus() == healthpb.HealthCheckResponse_SERVICE_UNKNOWN,
			"Watch of an unknown service: SERVICE_UNKNOWN (%v)", err2)
	} else {
		check(false, "Watch: %v", err)
	}
	cancel()
}

// ask sends one request on a fresh stream and returns the one response.
func ask(ctx context.Context, c reflpb.ServerReflectionClient, req *reflpb.ServerReflectionRequest) *reflpb.ServerReflectionResponse {
	s, err := c.ServerReflectionInfo(ctx)
	if err != nil {
		check(false, "ServerReflectionInfo: %v", err)
		return nil
	}
	if err := s.Send(req); err != nil {
		check(false, "Send: %v", err)
		return nil
	}
	_ = s.CloseSend()
	r, err := s.Recv()
	if err != nil {
		check(false, "Recv: %v", err)
		return nil
	}
	if _, err := s.Recv(); err != io.EOF {
		check(false, "one response per request (%v)", err)
	}
	return r
}

type index struct {
	messages map[string]*descpb.DescriptorProto // ".pkg.Msg" -> message
	services map[string]*descpb.ServiceDescriptorProto
}

func (ix *index) addMessages(prefix string, ms []*descpb.DescriptorProto) {
	for _, m := range ms {
		name := prefix + "." + m.GetName()
		ix.messages[name] = m
		ix.addMessages(name, m.GetNestedType())
	}
}

func field(m *descpb.DescriptorProto, name string) *descpb.FieldDescriptorProto {
	for _, f := range m.GetField() {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

func reflection(ctx context.Context, cc *grpc.ClientConn) {
	c := reflpb.NewServerReflectionClient(cc)
	r := ask(ctx, c, &reflpb.ServerReflectionRequest{MessageRequest: &reflpb.ServerReflectionRequest_ListServices{ListServices: "*"}})
	if r == nil {
		return
	}
	var target string
	var names []string
	for _, s := range r.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
		if !strings.HasPrefix(s.GetName(), "grpc.health.") && !strings.HasPrefix(s.GetName(), "grpc.reflection.") {
			target = s.GetName()
		}
	}
	check(len(names) == 4 && target != "", "list_services: %v", names)

	r = ask(ctx, c, &reflpb.ServerReflectionRequest{MessageRequest: &reflpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: target}})
	if r == nil {
		return
	}
	ix := index{map[string]*descpb.DescriptorProto{}, map[string]*descpb.ServiceDescriptorProto{}}
	var files []string
	for _, b := range r.GetFileDescriptorResponse().GetFileDescriptorProto() {
		var fd descpb.FileDescriptorProto
		if err := proto.Unmarshal(b, &fd); err != nil {
			check(false, "FileDescriptorProto parses: %v", err)
			return
		}
		files = append(files, fd.GetName())
		pkg := ""
		if fd.GetPackage() != "" {
			pkg = "." + fd.GetPackage()
		}
		ix.addMessages(pkg, fd.GetMessageType())
		for _, s := range fd.GetService() {
			ix.services[strings.TrimPrefix(pkg+"."+s.GetName(), ".")] = s
		}
	}
	check(len(files) == 3 && files[0] == "grpc/testing/test.proto", "file_containing_symbol(%s): %v", target, files)
	svc := ix.services[target]
	if svc == nil {
		check(false, "service %s in its file", target)
		return
	}
	var method *descpb.MethodDescriptorProto
	for _, m := range svc.GetMethod() {
		if m.GetName() == "UnaryCall" {
			method = m
		}
	}
	if method == nil {
		check(false, "UnaryCall in %s", target)
		return
	}
	in, out := ix.messages[method.GetInputType()], ix.messages[method.GetOutputType()]
	if in == nil || out == nil {
		check(false, "request and response types %s %s found", method.GetInputType(), method.GetOutputType())
		return
	}
	size, user := field(in, "response_size"), field(in, "fill_username")
	if size == nil || user == nil || size.GetType() != descpb.FieldDescriptorProto_TYPE_INT32 ||
		user.GetType() != descpb.FieldDescriptorProto_TYPE_BOOL {
		check(false, "%s has response_size (int32) and fill_username (bool)", method.GetInputType())
		return
	}
	// Tag = field number << 3 | wire type 0 (varint), for both.
	b := proto.NewBuffer(nil)
	_ = b.EncodeVarint(uint64(size.GetNumber())<<3 | 0)
	_ = b.EncodeVarint(7)
	_ = b.EncodeVarint(uint64(user.GetNumber())<<3 | 0)
	_ = b.EncodeVarint(1)
	req := b.Bytes()
	var resp []byte
	path := "/" + target + "/" + method.GetName()
	err := cc.Invoke(ctx, path, &req, &resp, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		check(false, "%s: %v", path, err)
		return
	}
	payload, username := field(out, "payload"), field(out, "username")
	if payload == nil || username == nil {
		check(false, "%s has payload and username", method.GetOutputType())
		return
	}
	body := field(ix.messages[payload.GetTypeName()], "body")
	var gotBody, gotUser []byte
	for _, f := range fields(resp) {
		switch f.number {
		case payload.GetNumber():
			for _, pf := range fields(f.bytes) {
				if body != nil && pf.number == body.GetNumber() {
					gotBody = pf.bytes
				}
			}
		case username.GetNumber():
			gotUser = f.bytes
		}
	}
	check(len(gotBody) == 7 && string(gotUser) == "h2pb-user",
		"%s built from reflected descriptors: %d bytes, user %q", path, len(gotBody), gotUser)

	r = ask(ctx, c, &reflpb.ServerReflectionRequest{MessageRequest: &reflpb.ServerReflectionRequest_FileContainingSymbol{FileContainingSymbol: "no.Such"}})
	check(r != nil && r.GetErrorResponse().GetErrorCode() == int32(codes.NotFound), "unknown symbol: error_response NOT_FOUND")
	r = ask(ctx, c, &reflpb.ServerReflectionRequest{MessageRequest: &reflpb.ServerReflectionRequest_FileByFilename{FileByFilename: "grpc/health/v1/health.proto"}})
	check(r != nil && len(r.GetFileDescriptorResponse().GetFileDescriptorProto()) == 1, "file_by_filename(grpc/health/v1/health.proto)")
}

type wireField struct {
	number int32
	bytes  []byte // length-delimited fields only
}

func varint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * uint(i))
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

// fields splits a message into its fields (varint and length-delimited
// only: what SimpleResponse and Payload hold); stops at anything else.
func fields(b []byte) []wireField {
	var out []wireField
	for len(b) > 0 {
		tag, n := varint(b)
		if n == 0 {
			break
		}
		b = b[n:]
		switch tag & 7 {
		case 0:
			_, m := varint(b)
			if m == 0 {
				return out
			}
			b = b[m:]
			out = append(out, wireField{int32(tag >> 3), nil})
		case 2:
			l, m := varint(b)
			if m == 0 || uint64(len(b)-m) < l {
				return out
			}
			out = append(out, wireField{int32(tag >> 3), b[m : m+int(l)]})
			b = b[m+int(l):]
		default:
			return out
		}
	}
	return out
}

func main() {
	addr := flag.String("addr", "", "host:port")
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cc, err := grpc.DialContext(ctx, *addr, grpc.WithInsecure(), grpc.WithBlock())
	if err != nil {
		fmt.Println("FAIL [go] dial:", err)
		os.Exit(1)
	}
	defer cc.Close()
	health(ctx, cc)
	reflection(ctx, cc)
	if failures > 0 {
		fmt.Printf("%d FAILED\n", failures)
		os.Exit(1)
	}
}
