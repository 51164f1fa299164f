{{/* Chart name (nameOverride wins). */}}
{{- define "kafkatrace.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Release-qualified name: <release>-<chart> unless the release already contains it. */}}
{{- define "kafkatrace.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* chart label value: name-version. */}}
{{- define "kafkatrace.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object (no component). */}}
{{- define "kafkatrace.labels" -}}
helm.sh/chart: {{ include "kafkatrace.chart" . }}
app.kubernetes.io/name: {{ include "kafkatrace.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: kafkatrace
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Per-component helpers take a dict: (dict "root" $ "component" "producer").
*/}}
{{- define "kafkatrace.componentName" -}}
{{- printf "%s-%s" (include "kafkatrace.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "kafkatrace.selectorLabels" -}}
app.kubernetes.io/name: {{ include "kafkatrace.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kafkatrace.componentLabels" -}}
{{ include "kafkatrace.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "kafkatrace.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "kafkatrace.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "kafkatrace.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
terminationGracePeriodSeconds = preStopSleepSeconds + ceil(shutdown.timeoutMs / 1000) + stop margin.
The stop margin is the same 15 s that systemd's TimeoutStopSec and `docker run --stop-timeout` add
to shutdown.timeout_ms (docs/deployment.md "Stop timeouts"): the daemon may take up to 3 s past its
own bound before it exits. tests/deploy/test_stop_timeouts.py keeps the three in step.
*/}}
{{- define "kafkatrace.stopMarginSeconds" -}}15{{- end }}
{{- define "kafkatrace.gracePeriodSeconds" -}}
{{- $ms := int .Values.shutdown.timeoutMs }}
{{- $stop := add (div (add $ms 999) 1000) (int (include "kafkatrace.stopMarginSeconds" .)) }}
{{- add $stop (int .Values.shutdown.preStopSleepSeconds) }}
{{- end }}

{{/* Components in a fixed order, for range. */}}
{{- define "kafkatrace.components" -}}
producer consumer
{{- end }}

{{/* Fail early on settings that cannot work together. */}}
{{- define "kafkatrace.validate" -}}
{{- $k := .Values.kafka }}
{{- if and (hasPrefix "sasl_" $k.securityProtocol) (not $k.sasl.existingSecret) }}
{{- fail "kafka.securityProtocol is sasl_*: set kafka.sasl.existingSecret to a Secret with the SASL username and password" }}
{{- end }}
{{- if and .Values.consumer.enabled (not .Values.postgres.existingSecret) }}
{{- fail "consumer.enabled is true: set postgres.existingSecret to a Secret holding the PostgreSQL URL (key postgres.urlKey)" }}
{{- end }}
{{- if and (has $k.securityProtocol (list "ssl" "sasl_ssl")) $k.tls.existingSecret (not $k.tls.caKey) }}
{{- fail "kafka.tls.existingSecret is set: kafka.tls.caKey must name the CA key in it" }}
{{- end }}
{{- if and $k.tls.certKey (not $k.tls.keyKey) }}
{{- fail "kafka.tls.certKey is set without kafka.tls.keyKey: mTLS needs both" }}
{{- end }}
{{- if not (or .Values.producer.enabled .Values.consumer.enabled) }}
{{- fail "producer.enabled and consumer.enabled are both false: enable at least one component" }}
{{- end }}
{{- end }}

{{/*
Non-secret environment of one component (the ConfigMap data; its hash is the pod's
checksum/config annotation). Names: docs/CONTRACT.md (KAFKATRACE_ + upper-cased key).
*/}}
{{- define "kafkatrace.configData" -}}
{{- $root := .root }}
{{- $v := $root.Values }}
{{- $c := index $v .component -}}
KAFKATRACE_HTTP_HOST: "0.0.0.0"
KAFKATRACE_HTTP_PORT: {{ $c.port | quote }}
KAFKATRACE_LOG_LEVEL: {{ $v.log.level | quote }}
KAFKATRACE_LOG_FORMAT: {{ $v.log.format | quote }}
KAFKATRACE_KAFKA_BROKERS: {{ $v.kafka.brokers | quote }}
KAFKATRACE_KAFKA_TOPIC: {{ $v.kafka.topic | quote }}
KAFKATRACE_KAFKA_SECURITY_PROTOCOL: {{ $v.kafka.securityProtocol | quote }}
KAFKATRACE_KAFKA_STATISTICS_INTERVAL_MS: {{ $v.kafka.statisticsIntervalMs | quote }}
{{- if hasPrefix "sasl_" $v.kafka.securityProtocol }}
KAFKATRACE_KAFKA_SASL_MECHANISM: {{ $v.kafka.sasl.mechanism | quote }}
{{- end }}
{{- if and (has $v.kafka.securityProtocol (list "ssl" "sasl_ssl")) $v.kafka.tls.existingSecret }}
KAFKATRACE_KAFKA_ssl.ca.location: {{ printf "/etc/kafkatrace/kafka-tls/%s" $v.kafka.tls.caKey | quote }}
{{- if $v.kafka.tls.certKey }}
KAFKATRACE_KAFKA_ssl.certificate.location: {{ printf "/etc/kafkatrace/kafka-tls/%s" $v.kafka.tls.certKey | quote }}
KAFKATRACE_KAFKA_ssl.key.location: {{ printf "/etc/kafkatrace/kafka-tls/%s" $v.kafka.tls.keyKey | quote }}
{{- end }}
{{- end }}
{{- range $prop, $val := $v.kafka.extraProperties }}
{{ printf "KAFKATRACE_KAFKA_%s" $prop }}: {{ $val | quote }}
{{- end }}
KAFKATRACE_SHUTDOWN_TIMEOUT_MS: {{ $v.shutdown.timeoutMs | quote }}
{{- if eq .component "producer" }}
KAFKATRACE_ORDER_RATE: {{ $c.order.rate | toString | quote }}
KAFKATRACE_ORDER_JITTER: {{ $c.order.jitter | toString | quote }}
KAFKATRACE_ORDER_BURST: {{ $c.order.burst | quote }}
KAFKATRACE_KAFKA_COMPRESSION: {{ $c.kafka.compression | quote }}
KAFKATRACE_KAFKA_LINGER_MS: {{ $c.kafka.lingerMs | quote }}
KAFKATRACE_KAFKA_ACKS: {{ $c.kafka.acks | toString | quote }}
KAFKATRACE_KAFKA_CREATE_TOPICS: {{ $c.kafka.createTopics | quote }}
{{- else }}
KAFKATRACE_KAFKA_GROUP_ID: {{ $c.kafka.groupId | quote }}
KAFKATRACE_KAFKA_DLQ_TOPIC: {{ $c.kafka.dlqTopic | quote }}
KAFKATRACE_KAFKA_SESSION_TIMEOUT_MS: {{ $c.kafka.sessionTimeoutMs | quote }}
KAFKATRACE_POSTGRES_SSLMODE: {{ $v.postgres.sslmode | quote }}
KAFKATRACE_CONSUMER_BATCH_SIZE: {{ $c.batch.size | quote }}
KAFKATRACE_CONSUMER_BATCH_MAX_WAIT_MS: {{ $c.batch.maxWaitMs | quote }}
{{- if $v.postgres.tls.existingSecret }}
PGSSLROOTCERT: {{ printf "/etc/kafkatrace/postgres-tls/%s" $v.postgres.tls.caKey | quote }}
{{- if $v.postgres.tls.certKey }}
PGSSLCERT: {{ printf "/etc/kafkatrace/postgres-tls/%s" $v.postgres.tls.certKey | quote }}
{{- end }}
{{- if $v.postgres.tls.keyKey }}
PGSSLKEY: {{ printf "/etc/kafkatrace/postgres-tls/%s" $v.postgres.tls.keyKey | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- range $name, $val := $c.extraEnv }}
{{ $name }}: {{ $val | toString | quote }}
{{- end }}
{{- end }}

{{/*
NetworkPolicy egress rule to a backend: (dict "name" "kafka" "peer" .Values.networkPolicy.kafka).
Peers: every CIDR as an ipBlock plus every selector pair. An empty peer list would allow every
destination, so it fails instead.
*/}}
{{- define "kafkatrace.egressRule" -}}
{{- $p := .peer }}
{{- if not (or $p.cidrs $p.selectors) }}
{{- fail (printf "networkPolicy.%s: set cidrs or selectors (an egress rule without peers would allow every destination)" .name) }}
{{- end }}
- to:
    {{- range $p.cidrs }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
    {{- range $p.selectors }}
    - {{- toYaml . | nindent 6 }}
    {{- end }}
  ports:
    {{- range $p.ports }}
    - protocol: TCP
      port: {{ . }}
    {{- end }}
{{- end }}
