using System.Text.RegularExpressions;

namespace LlmCompiler.Build.Tests.TestSupport;

/// <summary>
/// A product project in its own temp git repository that references the packed <c>LlmCompiler.Build</c>
/// (restored from the local feed only, <see cref="PackedPackage.NuGetConfig"/>).
/// </summary>
internal sealed partial class ProductRepo : IDisposable
{
    private readonly TestRepo _repo = new();
    private readonly PackedPackage _package;

    public ProductRepo(PackedPackage package, string projectExtras = "")
    {
        _package = package;
        Write("nuget.config", package.NuGetConfig);
        Write("Product.csproj", $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="LlmCompiler.Build" Version="{package.Version}" />
              </ItemGroup>
              {projectExtras}
            </Project>
            """);
        Write("src/Existing.cs", "namespace Product;\n\npublic static class Existing { }\n");
        Write(".gitignore", "bin/\nobj/\n*.binlog\n");
        _repo.Commit("product skeleton");
    }

    public string Root => _repo.Root;

    public string Write(string relativePath, string content)
    {
        _repo.Write(relativePath, content);
        return PathOf(relativePath);
    }

    public string PathOf(string relativePath) => _repo.PathOf(relativePath);

    public ChildResult Build(IReadOnlyDictionary<string, string?>? environment = null, params string[] arguments)
    {
        var env = new Dictionary<string, string?>(StringComparer.Ordinal) { ["NUGET_PACKAGES"] = _package.PackagesDirectory };
        if (environment is not null) foreach (var (k, v) in environment) env[k] = v;
        return ChildProcess.Run(ChildProcess.DotnetHost(), Root,
            ["build", "Product.csproj", "-nologo", "-nr:false", "-tl:off", .. arguments], env);
    }

    /// <summary>The canonical MSBuild diagnostic lines (<c>file(line,col): error CODE: message</c>) in an output.</summary>
    public static IReadOnlyList<CanonicalDiagnostic> Diagnostics(string output) =>
        [.. CanonicalLine().Matches(output).Select(m => new CanonicalDiagnostic(
            m.Groups["file"].Value.Trim(), int.Parse(m.Groups["line"].Value), int.Parse(m.Groups["col"].Value),
            m.Groups["severity"].Value, m.Groups["code"].Value, m.Groups["message"].Value)).Distinct()];

    public void Dispose() => _repo.Dispose();

    [GeneratedRegex(@"^\s*(?<file>[^\r\n(]+)\((?<line>\d+),(?<col>\d+)\): (?<severity>error|warning) (?<code>[A-Z]\d{3}): (?<message>[^\r\n]*?)(?: \[[^\]]+\])?\r?$", RegexOptions.Multiline)]
    private static partial Regex CanonicalLine();
}

internal sealed record CanonicalDiagnostic(string File, int Line, int Column, string Severity, string Code, string Message);
