using System.Text;
using System.Text.Json;
using LlmCompiler.IO;

namespace LlmCompiler.Contracts;

/// <summary>
/// The canonical form of a work order, whose SHA-256 goes into the <c>Work-Order-Sha256:</c> trailer: the contract
/// fields in a fixed order, compact, UTF-8, without provenance or unknown properties (re-planning the same work
/// must not look like new work; a stray extra field changes nothing). Written field by field rather than through
/// the source-generated context so the hash cannot drift when serializer options or the model's extras change.
/// </summary>
public static class WorkOrderIdentity
{
    public static string CanonicalJson(WorkOrder wo)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("id", wo.Id);
            w.WriteString("title", wo.Title);
            w.WriteString("intent", wo.Intent);
            Conditions(w, "preconditions", wo.Preconditions);
            Conditions(w, "postconditions", wo.Postconditions);
            Strings(w, "allowed_files", wo.AllowedFiles);
            Strings(w, "forbidden", wo.Forbidden);
            Strings(w, "acceptance_commands", wo.AcceptanceCommands);
            Strings(w, "context_files", wo.ContextFiles);
            if (wo.Notes is null) w.WriteNull("notes"); else w.WriteString("notes", wo.Notes);
            w.WriteBoolean("verify_exempt", wo.VerifyExempt);
            // Only when present: a plan written before the field existed keeps its hashes (and its landed trailers).
            if (wo.DependsOn is not null) Strings(w, "depends_on", wo.DependsOn);
            if (wo.Tests is not null) Strings(w, "tests", wo.Tests);
            if (wo.Difficulty is not null) w.WriteString("difficulty", wo.Difficulty);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Sha256(WorkOrder workOrder) => ContentHash.Sha256Hex(Encoding.UTF8.GetBytes(CanonicalJson(workOrder)));

    private static void Conditions(Utf8JsonWriter w, string name, IReadOnlyList<Condition> conditions)
    {
        w.WriteStartArray(name);
        foreach (var c in conditions)
        {
            w.WriteStartObject();
            w.WriteString("kind", c.KindName);
            w.WriteString("path", c.Path);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Strings(Utf8JsonWriter w, string name, IReadOnlyList<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteStringValue(v);
        w.WriteEndArray();
    }
}
