namespace LlmCompiler.Configuration.Roles;

/// <summary>
/// The repository's model configuration (<c>llmc.json</c>, or <c>--config</c>/<c>LlmcConfigFile</c>), merged with
/// <c>LlmcRole</c> items: the roles, the review trigger and the health budget. The same for the CLI and the tasks.
/// </summary>
public sealed record ProjectConfig
{
    /// <summary>The file's name at the repository root.</summary>
    public const string FileName = "llmc.json";

    public static ProjectConfig Default { get; } = new();

    public RoleSet Roles { get; init; } = RoleSet.None;
    public ReviewPolicy Review { get; init; } = ReviewPolicy.Off;
    public HealthLimits Health { get; init; } = HealthLimits.Default;

    /// <summary>The file it was read from, or null.</summary>
    public string? SourcePath { get; init; }

    /// <summary>This configuration with roles (from <c>LlmcRole</c> items) taking precedence; binding a reviewer turns review on.</summary>
    public ProjectConfig WithRoles(RoleSet over) => this with
    {
        Roles = Roles.OverriddenBy(over),
        Review = over.IsBound(ModelRole.Reviewer) && !Review.Enabled ? Review with { Enabled = true } : Review,
    };
}
