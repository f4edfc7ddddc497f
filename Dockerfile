# syntax=docker/dockerfile:1
# One image, every role: `api`, `worker` (Role=...), and the one-shot commands `migrate` and `create-admin`.
#   docker build -t taskmanager .
#   docker run --rm taskmanager migrate        (see compose.yaml for a whole deployment)

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the project file alone, so a source change reuses the cached package layer.
COPY TaskManager.csproj ./
RUN dotnet restore TaskManager.csproj
COPY . .
RUN dotnet publish TaskManager.csproj --configuration Release --no-restore --output /app /p:UseAppHost=false

# Chiseled: no shell, no package manager, a non-root user (app, uid 1654) by default; about a third of the
# regular aspnet image. The service needs no ICU (InvariantGlobalization) and nothing else from the OS.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app ./
USER $APP_UID
# Inside a container the service listens on every interface: the API on 8080, a lone worker on 8081 (health
# only); compose.yaml sets ASPNETCORE_URLS per role. The GC mode comes from TaskManager.csproj (workstation); its young
# generation is fixed at 8 MB (hex bytes), as the runtime would otherwise size it from the CPU cache (docs/operations.md).
ENV ASPNETCORE_URLS=http://+:8080 \
    Observability__LogFormat=json \
    DOTNET_GCgen0size=800000
EXPOSE 8080 8081
ENTRYPOINT ["dotnet", "TaskManager.dll"]
