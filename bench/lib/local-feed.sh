# Sourced by the MSBuild benchmarks: the package packed from this source tree into a private feed, and the
# nuget.config that takes LlmCompiler.* from that feed only (everything else from nuget.org).

# pack_local_feed REPO_ROOT FEED_DIR VERSION
pack_local_feed() {
  echo "packing LlmCompiler.Build $3 ..."
  DOTNET_CLI_USE_MSBUILD_SERVER=0 dotnet pack "$1/src/LlmCompiler.Build.Tasks/LlmCompiler.Build.Tasks.csproj" -c Release \
    -o "$2" "-p:Version=$3" -nologo -v:q -nr:false >/dev/null
}

# write_nuget_config DIR FEED_DIR
write_nuget_config() {
  cat >"$1/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="llmc-local" value="$2" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="llmc-local"><package pattern="LlmCompiler.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
}
