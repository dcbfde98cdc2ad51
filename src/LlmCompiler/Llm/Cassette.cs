using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Llm;

/// <summary>
/// One recorded exchange. On disk every multi-line text (message contents, response text, schema) is stored as an
/// array of lines so that a changed prompt shows up in <c>git diff</c> as the changed lines only; joining the
/// lines with <c>\n</c> restores the exact text (a <c>\r</c> stays at the end of its line).
/// </summary>
public sealed record Cassette
{
    public const int CurrentFormat = 1;

    public required string Key { get; init; }
    public required string Purpose { get; init; }
    public required DateTimeOffset RecordedAt { get; init; }
    public required CanonicalRequest Request { get; init; }
    public required string Text { get; init; }
    public required string FinishReason { get; init; }
    public required string ResponseModel { get; init; }
    public string? Refusal { get; init; }
    public int InputTokens { get; init; }
    public int OutputTokens { get; init; }

    public static string FileNameFor(string purpose, string key) => $"{SafePurpose(purpose)}-{key[..16]}.json";

    public string FileName => FileNameFor(Purpose, Key);

    /// <summary>2-space indented JSON with LF line ends and a final newline.</summary>
    public string ToJson()
    {
        var request = new JsonObject
        {
            ["model"] = Request.Model,
            ["temperature"] = Request.Temperature is { } t ? JsonValue.Create(t) : null,
            ["max_output_tokens"] = Request.MaxOutputTokens,
            ["response_format"] = Request.ResponseFormat is null
                ? null
                : new JsonObject { ["type"] = "json_schema", ["name"] = Request.ResponseFormat.Name, ["schema_lines"] = Lines(Request.ResponseFormat.Schema) },
            ["messages"] = new JsonArray(Request.Messages
                .Select(m => (JsonNode)new JsonObject { ["role"] = m.Role, ["content_lines"] = Lines(m.Content) })
                .ToArray()),
        };
        var root = new JsonObject
        {
            ["format"] = CurrentFormat,
            ["key"] = Key,
            ["purpose"] = Purpose,
            ["recorded_at"] = RecordedAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
            ["request"] = request,
            ["response"] = new JsonObject
            {
                ["model"] = ResponseModel,
                ["finish_reason"] = FinishReason,
                ["refusal"] = Refusal,
                ["input_tokens"] = InputTokens,
                ["output_tokens"] = OutputTokens,
                ["text_lines"] = Lines(Text),
            },
        };
        var json = root.ToJsonString(new JsonSerializerOptions
        {
            WriteIndented = true,
            IndentSize = 2,
            NewLine = "\n",
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        });
        return json + "\n";
    }

    /// <summary>Reads and checks a cassette file. Any defect (syntax, missing field, key not matching the
    /// recorded request, i.e. a hand-edited request) is E309 with the file and, for syntax errors, the position.</summary>
    public static (Cassette? Cassette, Diagnostic? Error) Read(string path)
    {
        // A cassette holds at most one 10 MiB answer plus its request.
        if (!IO.SafeFile.TryReadInput(path, 32L * 1024 * 1024, out var bytes, out var readError))
        {
            return (null, Invalid(path, $"cannot be read: {readError}"));
        }
        var text = new UTF8Encoding(false).GetString(bytes);

        return Parse(text, path);
    }

    internal static (Cassette? Cassette, Diagnostic? Error) Parse(string text, string path)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 32, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            return (null, Invalid(path, $"is not valid JSON: {FirstSentence(e.Message)}", (int)(e.LineNumber ?? -1) + 1, (int)(e.BytePositionInLine ?? -1) + 1));
        }

        try
        {
            if (root is not JsonObject obj)
            {
                return (null, Invalid(path, "is not a JSON object."));
            }

            if ((int?)obj["format"] != CurrentFormat)
            {
                return (null, Invalid(path, $"has an unknown format (expected \"format\": {CurrentFormat})."));
            }

            var request = NeedObject(obj, "request");
            var response = NeedObject(obj, "response");
            var format = request["response_format"] is null ? null : NeedObject(request, "response_format");
            var canonical = new CanonicalRequest(
                Str(request, "model"),
                request["temperature"] is null ? null : Number<float>(request, "temperature"),
                Number<int>(request, "max_output_tokens"),
                format is null ? null : new ResponseFormatSpec(Str(format, "name"), JoinLines(format, "schema_lines")),
                Need(request, "messages").AsArray()
                    .Select(m => m as JsonObject ?? throw new FormatException("a message is not an object"))
                    .Select(m => new LlmMessage(Str(m, "role"), JoinLines(m, "content_lines")))
                    .ToArray());
            var cassette = new Cassette
            {
                Key = Str(obj, "key"),
                Purpose = Str(obj, "purpose"),
                RecordedAt = DateTimeOffset.Parse(Str(obj, "recorded_at"), System.Globalization.CultureInfo.InvariantCulture),
                Request = canonical,
                Text = JoinLines(response, "text_lines"),
                FinishReason = Str(response, "finish_reason"),
                ResponseModel = Str(response, "model"),
                Refusal = response["refusal"] is null ? null : Str(response, "refusal"),
                InputTokens = Number<int>(response, "input_tokens"),
                OutputTokens = Number<int>(response, "output_tokens"),
            };
            var actualKey = canonical.ComputeKey();
            if (!string.Equals(actualKey, cassette.Key, StringComparison.Ordinal))
            {
                return (null, Invalid(path, $"was edited: its request hashes to {actualKey[..16]}…, not to the recorded key {Short(cassette.Key)}. Re-record it."));
            }

            return (cassette, null);
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            // GetValue/AsObject/AsArray throw InvalidOperationException for a value of the wrong kind.
            return (null, Invalid(path, $"has a missing or mistyped field ({e.Message}); re-record it."));
        }
    }

    private static JsonObject NeedObject(JsonNode parent, string name) =>
        parent[name] as JsonObject ?? throw new FormatException($"\"{name}\" must be an object");

    private static JsonNode Need(JsonNode parent, string name) =>
        parent[name] ?? throw new FormatException($"\"{name}\" is missing");

    private static string Str(JsonNode parent, string name) =>
        Need(parent, name) is JsonValue value && value.TryGetValue<string>(out var text) ? text : throw new FormatException($"\"{name}\" must be a string");

    private static T Number<T>(JsonNode parent, string name) =>
        Need(parent, name) is JsonValue value && value.GetValueKind() == JsonValueKind.Number && value.TryGetValue<T>(out var number)
            ? number
            : throw new FormatException($"\"{name}\" must be a number");

    private static string JoinLines(JsonNode parent, string name) =>
        Need(parent, name) is JsonArray lines
            ? string.Join('\n', lines.Select(l => l is JsonValue v && v.TryGetValue<string>(out var line) ? line : throw new FormatException($"\"{name}\" must hold strings only")))
            : throw new FormatException($"\"{name}\" must be an array of lines");

    private static JsonArray Lines(string text) => new(text.Split('\n').Select(l => (JsonNode?)JsonValue.Create(l)).ToArray());

    private static string SafePurpose(string purpose)
    {
        var safe = new string(purpose.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? char.ToLowerInvariant(c) : '_').ToArray());
        return safe.Length == 0 ? "call" : safe;
    }

    private static string Short(string key) => key.Length > 16 ? key[..16] + "…" : key;

    private static string FirstSentence(string message)
    {
        var cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static Diagnostic Invalid(string path, string what, int line = 0, int column = 0) =>
        DiagnosticCatalog.Create(DiagnosticCodes.CassetteInvalid, $"Cassette {Path.GetFileName(path)} {what}") with { File = path, Line = Math.Max(line, 0), Column = Math.Max(column, 0) };
}
