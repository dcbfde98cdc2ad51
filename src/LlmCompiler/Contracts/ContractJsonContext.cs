using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LlmCompiler.Contracts;

/// <summary>Source-generated serialization for every contract type: snake_case, 2-space indent.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    IndentSize = 2,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    AllowDuplicateProperties = false)]
[JsonSerializable(typeof(WorkOrder))]
[JsonSerializable(typeof(Manifest))]
[JsonSerializable(typeof(WriteProposal))]
[JsonSerializable(typeof(FailureBrief))]
[JsonSerializable(typeof(Provenance))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class ContractJsonContext : JsonSerializerContext
{
    private static ContractJsonContext? _files;

    /// <summary>
    /// The options used for every file we write: readable non-ASCII (the text is UTF-8 on disk, never HTML),
    /// LF line endings, so identical inputs give byte-identical files on every OS.
    /// </summary>
    public static ContractJsonContext Files => _files ??= new ContractJsonContext(new JsonSerializerOptions(Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        NewLine = "\n",
    });
}
