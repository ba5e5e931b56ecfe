// Drives Confluent's official JavaScript Schema Registry client against a registry and decodes
// records that the exchange's Java serializer wrote. Usage:
//   node interop.cjs <registry-url> <topic> <hex-record>...
// Prints one JSON object on stdout; exits non-zero with the error on stderr.
'use strict';
const {
  SchemaRegistryClient,
  AvroDeserializer,
  AvroSerializer,
  SerdeType,
} = require('@confluentinc/schemaregistry');

async function main() {
  const [url, topic, ...records] = process.argv.slice(2);
  const client = new SchemaRegistryClient({ baseURLs: [url], maxRetries: 0 });

  const probe = JSON.stringify({
    type: 'record',
    name: 'InteropProbe',
    namespace: 'org.referralexchange.interop',
    doc: 'Registered by the JavaScript client.',
    fields: [{ name: 'note', type: 'string', doc: 'Anything.' }],
  });
  const subject = 'js-interop-value';
  const firstId = await client.register(subject, { schemaType: 'AVRO', schema: probe });
  const secondId = await client.register(subject, { schemaType: 'AVRO', schema: probe });
  const latest = await client.getLatestSchemaMetadata(subject);
  const fetched = await client.getBySubjectAndId(subject, firstId);
  const subjects = await client.getAllSubjects();

  const deserializer = new AvroDeserializer(client, SerdeType.VALUE, {});
  const serializer = new AvroSerializer(client, SerdeType.VALUE, {
    useLatestVersion: true,
    autoRegisterSchemas: false,
  });
  const decoded = [];
  for (const hex of records) {
    const value = await deserializer.deserialize(topic, Buffer.from(hex, 'hex'));
    const reencoded = await serializer.serialize(topic, value);
    decoded.push({ value, reencoded: reencoded.toString('hex') });
  }

  process.stdout.write(
    JSON.stringify({
      registered: {
        firstId,
        secondId,
        latestId: latest.id,
        latestVersion: latest.version,
        fetchedSchema: fetched.schema,
        subjects,
      },
      decoded,
    }, (key, v) => (typeof v === 'bigint' ? v.toString() : v)) + '\n',
  );
}

main().catch((error) => {
  process.stderr.write(String((error && error.stack) || error) + '\n');
  process.exit(1);
});
