# token-helper.bash: shared by tests/apim-token*.bats: clients by sqlite3 insert,
# JWT pieces, and JWKS keys turned into PEM with openssl alone (not our code).

# mkclient KEY SECRET [GRANTS] [SCOPES] [TOKEN_TYPE] [VALIDITY]: the SCOPES
# are also defined (no role binding), as apim-token grants only defined ones
mkclient() {
	local key=$1 secret=$2 grants=${3:-client_credentials,password,refresh_token}
	local scopes=${4-read write} tt=${5:-jwt} validity=${6:-3600} hash
	hash=$(printf '%s\n' "$secret" | secret-hash)
	apim-token keys list >/dev/null	# creates the store
	sqlite3 "$APIM_DB" "INSERT OR IGNORE INTO application (id, name, owner, tier,
	  token_type, created_ms, updated_ms) VALUES ('app-$key', 'app $key', 'alice',
	  'Gold', '$tt', 0, 0); INSERT INTO client (consumer_key, app_id, key_type,
	  secret_hash, grant_types, scopes, validity_s, created_ms) VALUES ('$key',
	  'app-$key', 'PRODUCTION', '$hash', '$grants', '$scopes', $validity, 0);"
	# the allow-list's scopes exist, bound to no role (anyone may get them)
	local w
	for w in $scopes; do
		sqlite3 "$APIM_DB" "INSERT OR IGNORE INTO scope (name, created_ms)
		  VALUES ('$w', 0)"
	done
}

b64u_dec() {
	local s
	s=$(printf %s "$1" | tr '_-' '/+')
	case $((${#s} % 4)) in 2) s="$s==" ;; 3) s="$s=" ;; esac
	printf %s "$s" | base64 -d
}
b64u_hex() { b64u_dec "$1" | od -An -v -tx1 | tr -d ' \n'; }
jwt_part() { b64u_dec "$(printf %s "$1" | cut -d. -f"$2")"; }

# jwk_pem JWK_JSON OUT.pem: SubjectPublicKeyInfo built by openssl asn1parse.
jwk_pem() {
	local jwk=$1 out=$2 kty conf=$BATS_TEST_TMPDIR/spki.cnf
	kty=$(jq -r .kty <<<"$jwk")
	case $kty in
	RSA) cat >"$conf" <<-END
		asn1=SEQUENCE:spki
		[spki]
		alg=SEQUENCE:alg
		key=BITWRAP,SEQUENCE:rsakey
		[alg]
		oid=OID:rsaEncryption
		par=NULL
		[rsakey]
		n=INTEGER:0x$(b64u_hex "$(jq -r .n <<<"$jwk")")
		e=INTEGER:0x$(b64u_hex "$(jq -r .e <<<"$jwk")")
		END
		;;
	EC) cat >"$conf" <<-END
		asn1=SEQUENCE:spki
		[spki]
		alg=SEQUENCE:alg
		key=FORMAT:HEX,BITSTRING:04$(b64u_hex "$(jq -r .x <<<"$jwk")")$(b64u_hex "$(jq -r .y <<<"$jwk")")
		[alg]
		oid=OID:id-ecPublicKey
		curve=OID:prime256v1
		END
		;;
	OKP) cat >"$conf" <<-END
		asn1=SEQUENCE:spki
		[spki]
		alg=SEQUENCE:alg
		key=FORMAT:HEX,BITSTRING:$(b64u_hex "$(jq -r .x <<<"$jwk")")
		[alg]
		oid=OID:ED25519
		END
		;;
	esac
	openssl asn1parse -genconf "$conf" -noout -out "$out.der" >/dev/null &&
	openssl pkey -pubin -inform DER -in "$out.der" -out "$out"
}

# jwt_openssl_verify JWT PEM: 0 if openssl accepts the signature.
jwt_openssl_verify() {
	local jwt=$1 pem=$2 alg d=$BATS_TEST_TMPDIR sig
	alg=$(jwt_part "$jwt" 1 | jq -r .alg)
	printf %s "${jwt%.*}" >"$d/signed"
	sig=${jwt##*.}
	b64u_dec "$sig" >"$d/sig.raw"
	case $alg in
	RS256) openssl dgst -sha256 -verify "$pem" -signature "$d/sig.raw" "$d/signed" ;;
	ES256)
		local hex
		hex=$(b64u_hex "$sig")
		printf 'asn1=SEQUENCE:s\n[s]\nr=INTEGER:0x%s\ns=INTEGER:0x%s\n' \
		    "${hex:0:64}" "${hex:64:64}" >"$d/sig.cnf"
		openssl asn1parse -genconf "$d/sig.cnf" -noout -out "$d/sig.der" >/dev/null &&
		openssl dgst -sha256 -verify "$pem" -signature "$d/sig.der" "$d/signed" ;;
	EdDSA) openssl pkeyutl -verify -pubin -inkey "$pem" -rawin -in "$d/signed" \
		    -sigfile "$d/sig.raw" ;;
	esac
}

# The JWK for the kid in a JWT's header, from the JWKS.
jwks_key_for() {
	local kid
	kid=$(jwt_part "$1" 1 | jq -r .kid)
	apim-token jwks | jq -c --arg k "$kid" '.keys[] | select(.kid == $k)'
}
