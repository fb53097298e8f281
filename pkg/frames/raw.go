package frames

import (
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/persistwatch/redis-persistence-datasource/pkg/info"
	"github.com/persistwatch/redis-persistence-datasource/pkg/nodeinfo"
)

// Raw returns every INFO persistence field per node: one row per node, one column per field in
// the order the servers print them. A column is integer when every node printed an integer,
// decimal when every value is a number, text otherwise; a field a node did not print is null.
func Raw(readings []nodeinfo.Reading) *data.Frame {
	n := len(readings)
	names, instances, errs := make([]string, n), make([]string, n), make([]*string, n)
	var keys []string
	values := map[string][]*info.Value{}
	for i, reading := range readings {
		names[i], instances[i] = reading.Node.Name, reading.Node.Address
		if reading.Err != nil {
			text := reading.Err.Error()
			errs[i] = &text
			continue
		}
		for _, field := range reading.Info.Section("persistence") {
			column, seen := values[field.Key]
			if !seen {
				keys = append(keys, field.Key)
				column = make([]*info.Value, n)
				values[field.Key] = column
			}
			if column[i] == nil {
				typed := info.Type(field.Value)
				column[i] = &typed
			}
		}
	}
	frame := data.NewFrame("raw", data.NewField("node", nil, names), data.NewField("instance", nil, instances), data.NewField("error", nil, errs))
	for _, key := range keys {
		frame.Fields = append(frame.Fields, rawField(key, values[key]))
	}
	return frame
}

func rawField(key string, column []*info.Value) *data.Field {
	kind := info.KindInt
	for _, v := range column {
		switch {
		case v == nil:
		case v.Kind == info.KindString:
			kind = info.KindString
		case v.Kind == info.KindFloat && kind == info.KindInt:
			kind = info.KindFloat
		}
	}
	switch kind {
	case info.KindInt:
		return nullableField(key, column, func(v *info.Value) *int64 { return &v.Int })
	case info.KindFloat:
		return nullableField(key, column, func(v *info.Value) *float64 { return &v.Float })
	}
	return nullableField(key, column, func(v *info.Value) *string { return &v.Raw })
}

// nullableField is the column as a field of one type, read from each value by pick; a node
// without the value is null.
func nullableField[T any](key string, column []*info.Value, pick func(*info.Value) *T) *data.Field {
	values := make([]*T, len(column))
	for i, v := range column {
		if v != nil {
			values[i] = pick(v)
		}
	}
	return data.NewField(key, nil, values)
}
