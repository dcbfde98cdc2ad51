namespace LlmCompiler.Configuration.Roles;

/// <summary>The roles as front-ends print them once at the start of a run: which model does what.</summary>
public static class RoleText
{
    public static string Describe(ProjectConfig config, string defaultModel, int defaultAttempts)
    {
        var parts = ModelRoles.All
            .Select(r => config.Roles.Resolve(r, defaultModel, defaultAttempts))
            .Where(r => r.Role != ModelRole.Escalation || r.Bound)
            .Where(r => r.Role != ModelRole.Reviewer || config.Review.Enabled)
            .Select(r => $"{r.Name}={r.Model}{(r.Endpoint is null ? "" : $" at {Llm.LlmSettings.Display(r.Endpoint)}")}{(r.Role is ModelRole.Executor or ModelRole.Escalation ? $" ×{r.Attempts}" : "")}");
        return string.Join(", ", parts);
    }
}
