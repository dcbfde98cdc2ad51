using System.Text.Json;

namespace LlmCompiler.Llm;

/// <summary>The response format actually sent: a strict JSON schema with its name.</summary>
public sealed record ResponseFormatSpec(string Name, string Schema);

/// <summary>
/// Exactly what decides a model's answer, and so what a cassette is keyed by: model, messages, temperature,
/// max output tokens and response format. Endpoint, key, purpose, timeouts and retries are deliberately left out
/// so the same request recorded against OpenAI replays in CI against nothing.
/// </summary>
public sealed record CanonicalRequest(
    string Model,
    float? Temperature,
    int MaxOutputTokens,
    ResponseFormatSpec? ResponseFormat,
    IReadOnlyList<LlmMessage> Messages)
{
    /// <summary>The request as sent: its own model, temperature and token limit where it names them, else the session's.</summary>
    public static CanonicalRequest From(LlmSettings settings, LlmRequest request) => new(
        request.Model ?? settings.Model,
        request.Temperature ?? settings.Temperature,
        request.MaxOutputTokens ?? settings.MaxOutputTokens,
        settings.StructuredOutput && request.JsonSchema is not null
            ? new ResponseFormatSpec(string.IsNullOrWhiteSpace(request.JsonSchemaName) ? "response" : request.JsonSchemaName, request.JsonSchema)
            : null,
        request.Messages);

    /// <summary>UTF-8 JSON with keys sorted ordinally at every level and no insignificant whitespace.</summary>
    public byte[] ToCanonicalJson()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            // Keys are written in ordinal order by hand: max_output_tokens < messages < model < response_format < temperature.
            writer.WriteStartObject();
            writer.WriteNumber("max_output_tokens", MaxOutputTokens);
            writer.WriteStartArray("messages");
            foreach (var message in Messages)
            {
                writer.WriteStartObject();
                writer.WriteString("content", message.Content);
                writer.WriteString("role", message.Role);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteString("model", Model);
            if (ResponseFormat is null)
            {
                writer.WriteNull("response_format");
            }
            else
            {
                writer.WriteStartObject("response_format");
                writer.WriteString("name", ResponseFormat.Name);
                writer.WriteString("schema", ResponseFormat.Schema);
                writer.WriteString("type", "json_schema");
                writer.WriteEndObject();
            }

            if (Temperature is { } t)
            {
                writer.WriteNumber("temperature", t);
            }
            else
            {
                writer.WriteNull("temperature");
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    /// <summary>Lower-case hex SHA-256 of <see cref="ToCanonicalJson"/>.</summary>
    public string ComputeKey() => IO.ContentHash.Sha256Hex(ToCanonicalJson());

    /// <summary>Rough prompt size for budget checks: one token per four characters, rounded up.</summary>
    public long EstimateInputTokens()
    {
        long chars = ResponseFormat?.Schema.Length ?? 0;
        foreach (var message in Messages)
        {
            chars += message.Content.Length + 4; // role and separators cost a few tokens per message
        }

        return (chars + 3) / 4;
    }
}
