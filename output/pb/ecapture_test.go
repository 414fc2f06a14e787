package pb_test

import (
	"bytes"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	"github.com/tapir-dev/tapir/output/pb"
)

// ecaptureFile describes eCapture's protobuf/proto/v1/ecaptureq.proto
// from its published field layout (package event; LogType; Event fields
// 1-11; Heartbeat 1-3; LogEntry with log_type and a oneof of event,
// heartbeat and run log): the reader an existing eCapture consumer has.
func ecaptureFile(t *testing.T) protoreflect.FileDescriptor {
	t.Helper()
	type field struct {
		name  string
		num   int32
		typ   descriptorpb.FieldDescriptorProto_Type
		tname string
		oneof bool
	}
	msg := func(name string, fs ...field) *descriptorpb.DescriptorProto {
		d := &descriptorpb.DescriptorProto{Name: proto.String(name)}
		for _, f := range fs {
			fd := &descriptorpb.FieldDescriptorProto{
				Name:     proto.String(f.name),
				JsonName: proto.String(f.name),
				Number:   proto.Int32(f.num),
				Label:    descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
				Type:     f.typ.Enum(),
			}
			if f.tname != "" {
				fd.TypeName = proto.String(f.tname)
			}
			if f.oneof {
				fd.OneofIndex = proto.Int32(0)
			}
			d.Field = append(d.Field, fd)
		}
		return d
	}
	const (
		i64  = descriptorpb.FieldDescriptorProto_TYPE_INT64
		u32  = descriptorpb.FieldDescriptorProto_TYPE_UINT32
		str  = descriptorpb.FieldDescriptorProto_TYPE_STRING
		byt  = descriptorpb.FieldDescriptorProto_TYPE_BYTES
		msgT = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
		enm  = descriptorpb.FieldDescriptorProto_TYPE_ENUM
	)
	entry := msg("LogEntry",
		field{"log_type", 1, enm, ".event.LogType", false},
		field{"event_payload", 2, msgT, ".event.Event", true},
		field{"heartbeat_payload", 3, msgT, ".event.Heartbeat", true},
		field{"run_log", 4, str, "", true},
	)
	entry.OneofDecl = []*descriptorpb.OneofDescriptorProto{{Name: proto.String("payload")}}
	fdp := &descriptorpb.FileDescriptorProto{
		Name:    proto.String("ecaptureq_test.proto"),
		Package: proto.String("event"),
		Syntax:  proto.String("proto3"),
		EnumType: []*descriptorpb.EnumDescriptorProto{{
			Name: proto.String("LogType"),
			Value: []*descriptorpb.EnumValueDescriptorProto{
				{Name: proto.String("LOG_TYPE_HEARTBEAT"), Number: proto.Int32(0)},
				{Name: proto.String("LOG_TYPE_PROCESS_LOG"), Number: proto.Int32(1)},
				{Name: proto.String("LOG_TYPE_EVENT"), Number: proto.Int32(2)},
			},
		}},
		MessageType: []*descriptorpb.DescriptorProto{
			msg("Event",
				field{"timestamp", 1, i64, "", false},
				field{"uuid", 2, str, "", false},
				field{"src_ip", 3, str, "", false},
				field{"src_port", 4, u32, "", false},
				field{"dst_ip", 5, str, "", false},
				field{"dst_port", 6, u32, "", false},
				field{"pid", 7, i64, "", false},
				field{"pname", 8, str, "", false},
				field{"type", 9, u32, "", false},
				field{"length", 10, u32, "", false},
				field{"payload", 11, byt, "", false},
			),
			msg("Heartbeat",
				field{"timestamp", 1, i64, "", false},
				field{"count", 2, i64, "", false},
				field{"message", 3, str, "", false},
			),
			entry,
		},
	}
	fd, err := protodesc.NewFile(fdp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestECaptureConsumer decodes tapir's stream with eCapture's layout, the
// way an existing consumer would: split on the varint prefixes, unmarshal
// each record as its LogEntry, read the fields it knows.
func TestECaptureConsumer(t *testing.T) {
	fd := ecaptureFile(t)
	entryDesc := fd.Messages().ByName("LogEntry")

	f := pb.New(pb.Options{})
	fx := fixtures()
	var stream []byte
	stream = f.AppendHeartbeat(stream, time.Unix(1732349950, 0), 0, 0)
	for i := range fx {
		stream = f.Append(stream, &fx[i].msg)
	}

	type event struct {
		timestamp      int64
		uuid, src, dst string
		srcPort        uint64
		dstPort        uint64
		pid            int64
		pname          string
		typ, length    uint64
		payload        []byte
	}
	var got []event
	var heartbeats int
	for len(stream) > 0 {
		size, n := protowire.ConsumeVarint(stream)
		if n < 0 || uint64(len(stream)-n) < size {
			t.Fatalf("bad framing at %d bytes from the end", len(stream))
		}
		rec := stream[n : n+int(size)]
		stream = stream[n+int(size):]

		e := dynamicpb.NewMessage(entryDesc)
		if err := proto.Unmarshal(rec, e); err != nil {
			t.Fatalf("eCapture's LogEntry rejects a record: %v", err)
		}
		fields := entryDesc.Fields()
		logType := e.Get(fields.ByName("log_type")).Enum()
		switch {
		case logType == 0 && e.Has(fields.ByName("heartbeat_payload")):
			hb := e.Get(fields.ByName("heartbeat_payload")).Message()
			hf := hb.Descriptor().Fields()
			if got := hb.Get(hf.ByName("timestamp")).Int(); got != 1732349950 {
				t.Errorf("heartbeat timestamp %d", got)
			}
			if got := hb.Get(hf.ByName("message")).String(); got != "heartbeat:0" {
				t.Errorf("heartbeat message %q", got)
			}
			heartbeats++
		case logType == 2 && e.Has(fields.ByName("event_payload")):
			ev := e.Get(fields.ByName("event_payload")).Message()
			ef := ev.Descriptor().Fields()
			got = append(got, event{
				timestamp: ev.Get(ef.ByName("timestamp")).Int(),
				uuid:      ev.Get(ef.ByName("uuid")).String(),
				src:       ev.Get(ef.ByName("src_ip")).String(),
				srcPort:   ev.Get(ef.ByName("src_port")).Uint(),
				dst:       ev.Get(ef.ByName("dst_ip")).String(),
				dstPort:   ev.Get(ef.ByName("dst_port")).Uint(),
				pid:       ev.Get(ef.ByName("pid")).Int(),
				pname:     ev.Get(ef.ByName("pname")).String(),
				typ:       ev.Get(ef.ByName("type")).Uint(),
				length:    ev.Get(ef.ByName("length")).Uint(),
				payload:   ev.Get(ef.ByName("payload")).Bytes(),
			})
			if len(ev.GetUnknown()) == 0 && fx[len(got)-1].msg.Proto != "" {
				t.Errorf("record %d: tapir's field 100 missing (an eCapture reader keeps it as unknown)", len(got))
			}
		default:
			t.Fatalf("unexpected record: log_type %d", logType)
		}
	}
	if heartbeats != 1 || len(got) != len(fx) {
		t.Fatalf("read %d heartbeats and %d events; want 1 and %d", heartbeats, len(got), len(fx))
	}

	req := got[0]
	want := event{
		timestamp: 1732349952, uuid: "4242_5_1",
		src: "10.0.0.7", srcPort: 50514, dst: "93.184.216.34", dstPort: 443,
		pid: 4242, pname: "curl", typ: 1,
		payload: []byte("POST /api/items?x=1 HTTP/1.1\r\nHost: example.com\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"name\":\"t\"}\n"),
	}
	want.length = uint64(len(want.payload))
	if req.timestamp != want.timestamp || req.uuid != want.uuid || req.src != want.src || req.srcPort != want.srcPort ||
		req.dst != want.dst || req.dstPort != want.dstPort || req.pid != want.pid || req.pname != want.pname ||
		req.typ != want.typ || req.length != want.length || !bytes.Equal(req.payload, want.payload) {
		t.Errorf("request event:\n got %+v\nwant %+v", req, want)
	}
	wantTypes := []uint64{1, 3, 1, 2, 4, 0, 0, 5, 5, 0, 4}
	for i, e := range got {
		if e.typ != wantTypes[i] {
			t.Errorf("%s: type %d; want %d", fx[i].name, e.typ, wantTypes[i])
		}
		if e.length != uint64(len(e.payload)) {
			t.Errorf("%s: length %d, payload %d bytes", fx[i].name, e.length, len(e.payload))
		}
	}
	// An IPv6 connection, named in the event file, from a process whose
	// name is not UTF-8.
	if e := got[5]; e.src != "::1" || e.dst != "2001:db8::1" || e.dstPort != 8443 || e.pname != "py\uFFFDthon" || e.uuid != "c-\uFFFD7_9" {
		t.Errorf("named connection: %+v", e)
	}
}
