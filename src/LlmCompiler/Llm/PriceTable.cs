using System.Text.Json;
using LlmCompiler.Diagnostics;

namespace LlmCompiler.Llm;

/// <summary>USD per one million input and output tokens.</summary>
public readonly record struct ModelPrice(decimal InputPerMillion, decimal OutputPerMillion)
{
    public decimal Cost(long inputTokens, long outputTokens) =>
        ((inputTokens * InputPerMillion) + (outputTokens * OutputPerMillion)) / 1_000_000m;
}

/// <summary>
/// Prices by model name. A dated snapshot (<c>gpt-4o-2024-08-06</c>) uses its family's price when it has none of
/// its own. An unknown model costs 0 and the ledger says <c>price_known: false</c>, so a local model never blocks
/// a budget and an unpriced remote one is visible.
/// </summary>
public sealed class PriceTable
{
    /// <summary>List prices (standard tier, USD per 1M tokens) at the time of writing; override with a file
    /// whenever they change. Local models are deliberately absent.</summary>
    private static readonly Dictionary<string, ModelPrice> Defaults = new(StringComparer.OrdinalIgnoreCase)
    {
        ["gpt-4o"] = new(2.50m, 10.00m),
        ["gpt-4o-mini"] = new(0.15m, 0.60m),
        ["gpt-4.1"] = new(2.00m, 8.00m),
        ["gpt-4.1-mini"] = new(0.40m, 1.60m),
        ["gpt-4.1-nano"] = new(0.10m, 0.40m),
        ["o3"] = new(2.00m, 8.00m),
        ["o4-mini"] = new(1.10m, 4.40m),
        ["gpt-5"] = new(1.25m, 10.00m),
        ["gpt-5-mini"] = new(0.25m, 2.00m),
        ["gpt-5-nano"] = new(0.05m, 0.40m),
    };

    private readonly Dictionary<string, ModelPrice> _prices;

    private PriceTable(Dictionary<string, ModelPrice> prices) => _prices = prices;

    public static PriceTable BuiltIn { get; } = new(new Dictionary<string, ModelPrice>(Defaults, StringComparer.OrdinalIgnoreCase));

    public IReadOnlyDictionary<string, ModelPrice> Prices => _prices;

    public bool TryGetPrice(string model, out ModelPrice price)
    {
        if (_prices.TryGetValue(model, out price))
        {
            return true;
        }

        // Longest family name followed by "-<digit>" (a snapshot date or version suffix).
        var family = _prices.Keys
            .Where(k => model.Length > k.Length + 1 && model.StartsWith(k, StringComparison.OrdinalIgnoreCase)
                        && model[k.Length] == '-' && char.IsAsciiDigit(model[k.Length + 1]))
            .MaxBy(k => k.Length);
        if (family is not null)
        {
            price = _prices[family];
            return true;
        }

        price = default;
        return false;
    }

    /// <summary>
    /// The built-in table overlaid with a JSON file of the form
    /// <c>{"models": {"my-model": {"input_per_million": 1.0, "output_per_million": 2.0}}}</c>.
    /// A missing or malformed file is E309 with its position; nothing throws.
    /// </summary>
    public static (PriceTable? Table, Diagnostic? Error) Load(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return (BuiltIn, null);
        }

        Diagnostic Invalid(string what, long line = -1, long column = -1) =>
            DiagnosticCatalog.Create(DiagnosticCodes.CassetteInvalid, $"Price table {Path.GetFileName(path)} {what}") with
            {
                File = path,
                Line = (int)Math.Max(line + 1, 0),
                Column = (int)Math.Max(column + 1, 0),
            };

        if (!IO.SafeFile.TryReadInput(path, 4 * 1024 * 1024, out var bytes, out var readError))
        {
            return (null, Invalid($"cannot be read: {readError}"));
        }

        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8, AllowDuplicateProperties = false });
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("models", out var models) || models.ValueKind != JsonValueKind.Object)
            {
                return (null, Invalid("must be an object with a \"models\" object."));
            }

            var prices = new Dictionary<string, ModelPrice>(Defaults, StringComparer.OrdinalIgnoreCase);
            foreach (var model in models.EnumerateObject())
            {
                if (model.Value.ValueKind != JsonValueKind.Object
                    || !TryPrice(model.Value, "input_per_million", out var input)
                    || !TryPrice(model.Value, "output_per_million", out var output))
                {
                    return (null, Invalid($"entry \"{model.Name}\" needs non-negative numbers input_per_million and output_per_million."));
                }

                prices[model.Name] = new ModelPrice(input, output);
            }

            return (new PriceTable(prices), null);
        }
        catch (JsonException e)
        {
            return (null, Invalid("is not valid JSON.", e.LineNumber ?? -1, e.BytePositionInLine ?? -1));
        }
    }

    private static bool TryPrice(JsonElement entry, string name, out decimal value)
    {
        value = 0;
        return entry.TryGetProperty(name, out var element) && element.ValueKind == JsonValueKind.Number
            && element.TryGetDecimal(out value) && value >= 0;
    }
}
