using System.Text.Json.Serialization;

namespace LlmCompiler.Factory.Records;

/// <summary>Source-generated serialization of the factory's records, with the contract types' conventions (snake_case).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    IndentSize = 2,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(List<CommandRecord>))]
[JsonSerializable(typeof(WriteResultRecord))]
[JsonSerializable(typeof(NodeOutcomeRecord))]
[JsonSerializable(typeof(TestsFirstRecord))]
internal sealed partial class FactoryJsonContext : JsonSerializerContext;
