/**
 * The subset of the ONNX protobuf schema that modeconn reads and writes, as a protobufjs JSON
 * descriptor (ModelProto → GraphProto → NodeProto / TensorProto / ValueInfoProto / AttributeProto).
 * Field numbers and enum values are facts of the format, taken from the ONNX IR specification
 * (onnx/onnx: its IR.md and the normative onnx/onnx.proto, IR version 7); fields not listed here
 * are skipped by the decoder. protobufjs is loaded on first use (its chunk is ~0.4 MB unminified).
 */
import { ModeconnError } from '../errors.js';

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, INT32: 6, INT64: 7, FLOAT16: 10, DOUBLE: 11 } as const;

/** AttributeProto.AttributeType values. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const repeated = (type: string, id: number, packed?: boolean) =>
  ({ rule: 'repeated', type, id, ...(packed === undefined ? {} : { options: { packed } }) });

/** The descriptor: message name → { fields: name → { type, id, rule? } }, all in package `onnx`. */
const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: repeated('OperatorSetIdProto', 8),
            metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
        OperatorSetIdProto: { fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } } },
        StringStringEntryProto: { fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: { type: 'string', id: 2 },
            initializer: repeated('TensorProto', 5),
            docString: { type: 'string', id: 10 },
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
            sparseInitializer: repeated('SparseTensorProto', 15),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: repeated('AttributeProto', 5),
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: repeated('float', 7, false),
            ints: repeated('int64', 8, false),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 }, // AttributeType (an enum: a varint on the wire, like int32)
            refAttrName: { type: 'string', id: 21 },
          },
        },
        ValueInfoProto: {
          fields: { name: { type: 'string', id: 1 }, type: { type: 'TypeProto', id: 2 }, docString: { type: 'string', id: 3 } },
        },
        TypeProto: {
          fields: { tensorType: { type: 'TypeProtoTensor', id: 1 }, denotation: { type: 'string', id: 6 } },
        },
        TypeProtoTensor: {
          fields: { elemType: { type: 'int32', id: 1 }, shape: { type: 'TensorShapeProto', id: 2 } },
        },
        TensorShapeProto: { fields: { dim: repeated('Dimension', 1) } },
        Dimension: {
          fields: { dimValue: { type: 'int64', id: 1 }, dimParam: { type: 'string', id: 2 }, denotation: { type: 'string', id: 3 } },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1, false),
            dataType: { type: 'int32', id: 2 },
            floatData: repeated('float', 4, true),
            int32Data: repeated('int32', 5, true),
            int64Data: repeated('int64', 7, true),
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            doubleData: repeated('double', 10, true),
            docString: { type: 'string', id: 12 },
            externalData: repeated('StringStringEntryProto', 13),
            dataLocation: { type: 'int32', id: 14 }, // DataLocation: 0 DEFAULT, 1 EXTERNAL
          },
        },
        SparseTensorProto: { fields: { dims: repeated('int64', 3, false) } },
      },
    },
  },
};

/** An int64 field as protobufjs returns it: a number, or a Long-like { low, high } pair. */
export type Int64 = number | { low: number; high: number; unsigned?: boolean };

/** A decoded TensorProto (the fields of the descriptor; protobufjs fills absent ones with defaults). */
export interface OnnxTensorMsg {
  dims: Int64[]; dataType: number; floatData: number[]; int32Data: number[]; int64Data: Int64[];
  name: string; rawData: Uint8Array; doubleData: number[]; dataLocation: number;
  externalData: Array<{ key: string; value: string }>;
}
/** A decoded AttributeProto. */
export interface OnnxAttributeMsg {
  name: string; type: number; f: number; i: Int64; s: Uint8Array; t?: OnnxTensorMsg | null;
  floats: number[]; ints: Int64[]; refAttrName: string;
}
/** A decoded NodeProto. */
export interface OnnxNodeMsg { input: string[]; output: string[]; name: string; opType: string; domain: string; attribute: OnnxAttributeMsg[] }
/** A decoded TensorShapeProto.Dimension: a size or a name. */
export interface OnnxDimensionMsg { dimValue?: Int64; dimParam?: string }
/** A decoded ValueInfoProto (name and tensor type). */
export interface OnnxValueInfoMsg {
  name: string;
  type?: { tensorType?: { elemType: number; shape?: { dim: OnnxDimensionMsg[] } | null } | null } | null;
}
/** A decoded GraphProto. */
export interface OnnxGraphMsg {
  node: OnnxNodeMsg[]; name: string; initializer: OnnxTensorMsg[]; input: OnnxValueInfoMsg[];
  output: OnnxValueInfoMsg[]; sparseInitializer: unknown[];
}
/** A decoded ModelProto. */
export interface OnnxModelMsg {
  irVersion: Int64; producerName: string; producerVersion: string; graph?: OnnxGraphMsg | null;
  opsetImport: Array<{ domain: string; version: Int64 }>; metadataProps: Array<{ key: string; value: string }>;
}

/** The decoded schema: ModelProto's type, ready to decode and encode. */
export interface OnnxCodec {
  decode(bytes: Uint8Array): OnnxModelMsg;
  encode(model: unknown): Uint8Array;
}

type Light = typeof import('protobufjs/light.js');

let codec: Promise<OnnxCodec> | undefined;

/** Loads protobufjs (once) and builds the codec from the descriptor. */
export function loadOnnxCodec(): Promise<OnnxCodec> {
  codec ??= (async () => {
    let protobuf: Light;
    try {
      // A CommonJS package: Node and bundlers put module.exports on `default`.
      const mod = (await import('protobufjs/light.js')) as unknown as Light & { default?: Light };
      protobuf = mod.default ?? mod;
    } catch (cause) {
      codec = undefined;
      throw new ModeconnError('NOT_SUPPORTED', 'ONNX support needs the protobufjs package, which could not be loaded', {
        advice: 'npm install protobufjs', cause,
      });
    }
    const type = protobuf.Root.fromJSON(DESCRIPTOR).lookupType('onnx.ModelProto');
    return {
      decode: (bytes) => type.decode(bytes) as unknown as OnnxModelMsg,
      // A plain copy: in Node the writer returns a Buffer, possibly a view into a shared pool.
      encode: (model) => new Uint8Array(type.encode(type.fromObject(model as Record<string, unknown>)).finish()),
    };
  })();
  return codec;
}

/** An int64 field as a number; BAD_FILE naming `what` when it is not a safe integer. */
export function int64ToNumber(value: Int64 | undefined | null, what: string, name: string): number {
  if (value === undefined || value === null) return 0;
  let n: number;
  if (typeof value === 'number') n = value;
  else {
    const low = value.low >>> 0;
    n = value.unsigned ? (value.high >>> 0) * 2 ** 32 + low : value.high * 2 ** 32 + low;
  }
  if (!Number.isSafeInteger(n)) throw new ModeconnError('BAD_FILE', `${name}: ${what} is ${n}, not a safe integer`);
  return n;
}
