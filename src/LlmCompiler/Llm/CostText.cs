using System.Globalization;

namespace LlmCompiler.Llm;

/// <summary>How every front-end prints money: never "$0.0000" for calls whose model has no price.</summary>
public static class CostText
{
    public static string Describe(decimal cost, IReadOnlyCollection<string> unpricedModels) =>
        unpricedModels.Count == 0
            ? "$" + cost.ToString("0.0000", CultureInfo.InvariantCulture)
            : $"cost unknown (no price for {string.Join(", ", unpricedModels)}; add it with a price table)";

    public static string Describe(decimal cost, bool known) =>
        known ? "$" + cost.ToString("0.0000", CultureInfo.InvariantCulture) : "cost unknown";
}
